"""Password policy (pure): length rules after NIST SP 800-63B, no composition rules, no
hints, spaces kept, and a short deny-list of common passwords that pass the length rule."""

from __future__ import annotations

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 64
MAX_PASSWORD_BYTES = 72  # bcrypt's limit: bcrypt 5 raises above it

# Compared case-insensitively. Shorter favourites already fail the length rule.
COMMON_PASSWORDS = frozenset(
    (
        "123456789012",
        "1234567890123",
        "12345678901234",
        "123456789123",
        "123123123123",
        "111111111111",
        "000000000000",
        "123412341234",
        "121212121212",
        "112233445566",
        "987654321098",
        "1q2w3e4r5t6y",
        "1qaz2wsx3edc",
        "qwertyuiopas",
        "qwertyuiop12",
        "qwertyuiop123",
        "qwerty123456",
        "qwertyqwerty",
        "asdfghjkl123",
        "zxcvbnm12345",
        "qazwsxedcrfv",
        "abcdefghijkl",
        "abcdef123456",
        "abc123abc123",
        "aaaaaaaaaaaa",
        "password1234",
        "password12345",
        "password123456",
        "passwordpassword",
        "p@ssword1234",
        "passw0rd1234",
        "iloveyou1234",
        "iloveyouiloveyou",
        "letmein12345",
        "letmeinletmein",
        "welcome12345",
        "welcome123456",
        "administrator",
        "admin1234567",
        "adminadmin123",
        "changeme1234",
        "football1234",
        "baseball1234",
        "basketball12",
        "superman1234",
        "batman123456",
        "monkey123456",
        "dragon123456",
        "sunshine1234",
        "princess1234",
        "starwars1234",
        "trustno1trustno1",
        "master123456",
        "whatever1234",
        "shadow123456",
        "computer1234",
        "internet1234",
        "correcthorsebatterystaple",
        "correct horse battery staple",
        "fueltracker123",
        "fueltracker1234",
    )
)


def password_problem(password: str, username: str | None = None) -> str | None:
    """Why `password` is unacceptable (a phrase to follow "Password ..."), or None."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"must be at least {MIN_PASSWORD_CHARS} characters"
    if len(password) > MAX_PASSWORD_CHARS:
        return f"must be at most {MAX_PASSWORD_CHARS} characters"
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        return f"must be at most {MAX_PASSWORD_BYTES} bytes (fewer accented or emoji characters)"
    if password.lower() in COMMON_PASSWORDS:
        return "is one of the most common passwords; choose another"
    if username and password.strip().lower() == username.strip().lower():
        return "must not be your username"
    return None

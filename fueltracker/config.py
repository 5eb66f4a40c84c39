"""Application settings, read once from FUELTRACKER_* environment variables (pydantic-settings)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIN_COOKIE_KEY_BYTES = 32


class ConfigurationError(RuntimeError):
    """The configuration is unsafe or incomplete; the app refuses to start."""


# Fewer different characters than this in 32+ bytes is no random key (a hex key has 16).
MIN_COOKIE_KEY_DISTINCT = 8


def weak_key_problem(key: str) -> str | None:
    """Why a key of the right length is still obviously guessable, or None. Catches what
    people type instead of generating: one character repeated, a short pattern repeated,
    too few different characters. (Length alone let 32 identical bytes through.)"""
    if len(set(key)) < MIN_COOKIE_KEY_DISTINCT:
        return f"it has fewer than {MIN_COOKIE_KEY_DISTINCT} different characters"
    for period in range(1, len(key) // 2 + 1):
        if len(key) % period == 0 and key == key[:period] * (len(key) // period):
            return f"it repeats {key[:period]!r}"
    return None


class Settings(BaseSettings):
    """Every knob of the app. Unset `database_url` selects the embedded PostgreSQL under
    `data_dir`."""

    model_config = SettingsConfigDict(env_prefix="FUELTRACKER_", env_file=".env", extra="ignore")

    database_url: str | None = None
    # The login of `backup` and `restore` (a role with BYPASSRLS, docs/backup.md); unset:
    # database_url's (the embedded server's is a superuser).
    backup_database_url: str | None = None
    cookie_key: SecretStr | None = None
    cookie_name: str = "fueltracker_auth"
    cookie_expiry_days: float = 30.0
    data_dir: Path = PROJECT_ROOT / "data"
    allow_registration: bool = True
    # Reverse proxies in front of the app that append the client's address to
    # X-Forwarded-For (the sign-in throttle counts per client address). 0: use the
    # connection's address and ignore the header, which any client can forge.
    trusted_proxy_hops: int = Field(default=0, ge=0, le=5)
    log_level: str = "INFO"
    # auto: JSON lines when stdout is not a terminal (servers, containers), text when it is.
    log_format: Literal["auto", "json", "text"] = "auto"
    # Connections each app process keeps open, and how many more it may open under load:
    # replicas x (pool + overflow) must stay under PostgreSQL's max_connections.
    db_pool_size: int = Field(default=5, ge=1, le=100)
    db_max_overflow: int = Field(default=10, ge=0, le=100)
    # Requests one API token may make per minute (counted in the database: it holds across
    # processes and replicas); more answer 429 with Retry-After.
    api_rate_limit_per_minute: int = Field(default=120, ge=1, le=100_000)

    @property
    def embedded(self) -> bool:
        """True when the app runs its own PostgreSQL (no external database configured)."""
        return not self.database_url

    def resolved_cookie_key(self) -> str:
        """The key that signs re-auth cookies.

        External deployments must provide a strong key; the embedded default generates one
        and keeps it under `data_dir` so cookies survive restarts.
        """
        key = self.cookie_key.get_secret_value() if self.cookie_key else ""
        if len(key.encode()) >= MIN_COOKIE_KEY_BYTES:
            problem = weak_key_problem(key)
            if problem:
                raise ConfigurationError(
                    f"FUELTRACKER_COOKIE_KEY is too weak: {problem}; "
                    'generate one: python3 -c "import secrets; '
                    'print(secrets.token_urlsafe(48))"'
                )
            return key
        if not self.embedded:
            raise ConfigurationError(
                "FUELTRACKER_COOKIE_KEY must be set to at least "
                f"{MIN_COOKIE_KEY_BYTES} bytes when FUELTRACKER_DATABASE_URL is set"
            )
        key_file = self.data_dir / "cookie_key"
        if not key_file.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        return key_file.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (environment read once)."""
    return Settings()

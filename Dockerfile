# Fuel Tracker app image: runtime packages in a venv built in a throwaway stage, the app's
# files, a non-root user. The container migrates the database, then serves on 8501.
# Replayed without a Docker engine by scripts/replay_image.py (see docs/deploy.md).

FROM python:3.11-slim AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements.txt /build/requirements.txt
# Every runtime package ships a manylinux wheel, so no compiler is installed even here.
RUN /opt/venv/bin/pip install --no-cache-dir --only-binary=:all: -r /build/requirements.txt

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
RUN useradd --create-home --uid 10001 --user-group --shell /usr/sbin/nologin fueltracker
WORKDIR /app
# Only the venv leaves the builder stage: no pip cache, no build files.
COPY --from=builder /opt/venv /opt/venv
COPY app.py ./
COPY pages ./pages
COPY fueltracker ./fueltracker
COPY .streamlit ./.streamlit
# The app's files stay root-owned, read-only to the app. Writable: data/, and /backups
# (a volume in docker-compose.yml) for `python -m fueltracker backup -o /backups/...`.
RUN mkdir -p /app/data /backups && chown fueltracker:fueltracker /app/data /backups
USER fueltracker

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"
# PostgreSQL may still be starting (or restarting): retry the migration for about a minute
# before giving up, then replace the shell with the server so it receives the stop signal.
CMD ["sh", "-c", "tries=0; until python -m fueltracker migrate; do tries=$((tries+1)); if [ $tries -ge 30 ]; then echo 'migration failed 30 times; giving up' >&2; exit 1; fi; echo \"database not ready, retrying in 2 s ($tries/30)\" >&2; sleep 2; done; exec python -m fueltracker.ui.server --server.address 0.0.0.0 --server.port 8501"]

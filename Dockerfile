# Fuel Tracker app image. Migrations run before the server starts.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY app.py ./
COPY pages ./pages
COPY fueltracker ./fueltracker
COPY .streamlit ./.streamlit
RUN useradd --create-home --uid 10001 fueltracker && mkdir -p data && chown fueltracker data
USER fueltracker

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health')"
CMD ["sh", "-c", "python -m fueltracker migrate && exec python -m fueltracker.ui.server --server.address 0.0.0.0 --server.port 8501"]

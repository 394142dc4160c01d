# mpscope: the dashboard and API on 0.0.0.0:8000 inside the container.
#   docker build -t mpscope . && docker run --rm -p 8000:8000 mpscope
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPSCOPE_HOST=0.0.0.0 \
    MPSCOPE_PORT=8000 \
    MPSCOPE_DATA_DIR=/data

# tini as PID 1 reaps the zombies that killed runs leave behind.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 mpscope \
    && mkdir /data \
    && chown mpscope /data

WORKDIR /srv/mpscope
COPY pyproject.toml README.md ./
COPY app ./app
COPY templates ./templates
COPY static ./static
# Editable: the app finds templates/ and static/ next to its package.
RUN pip install -e .

USER 10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
ENTRYPOINT ["tini", "--"]
CMD ["python", "-m", "app"]

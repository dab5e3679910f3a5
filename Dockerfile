# fleetops: the Slack bot for a KubeFleet + KAITO fleet. Slim Python base, the package installed from this
# repository's own files, run as a non-root user. State (SQLite database, audit digests) lives in
# FLEETOPS_HOME, which a PersistentVolumeClaim should back in a cluster.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FLEETOPS_HOME=/var/lib/fleetops

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY tools ./tools
COPY audit ./audit
COPY prompts ./prompts
RUN pip install . \
 && useradd --system --uid 10001 --home-dir /var/lib/fleetops --create-home fleetops \
 && rm -rf /src

USER 10001
WORKDIR /var/lib/fleetops
EXPOSE 3000
ENTRYPOINT ["fleetops"]
CMD ["serve"]

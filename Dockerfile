# The Accord image: worker, command line, Slack endpoint and codec server (one image, several
# commands; see docker-compose.yml). Runs as an unprivileged user; state lives in /data.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_INPUT=1 \
    ENVIRONMENT=production \
    DATA_DIR=/data

WORKDIR /app
RUN useradd --system --uid 10001 --create-home --home-dir /home/accord accord \
    && mkdir -p /data && chown accord /data

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir -p models runtime normalizers ledger engine activities workflows sandbox connectors approvals \
    && for p in models runtime normalizers ledger engine activities workflows sandbox connectors approvals; do \
         touch "$p/__init__.py"; done \
    && touch worker.py starter.py \
    && pip install . \
    && pip uninstall -y accord \
    && rm -rf models runtime normalizers ledger engine activities workflows sandbox connectors approvals

# The application runs from its source folder (scripts put /app on sys.path).
COPY models ./models
COPY runtime ./runtime
COPY normalizers ./normalizers
COPY ledger ./ledger
COPY engine ./engine
COPY activities ./activities
COPY workflows ./workflows
COPY sandbox ./sandbox
COPY connectors ./connectors
COPY approvals ./approvals
COPY scheduling ./scheduling
COPY codec_server ./codec_server
COPY worker.py starter.py ./

USER accord
VOLUME ["/data"]
CMD ["python", "worker.py"]

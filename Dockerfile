FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

RUN groupadd --system --gid 10001 chatbot \
    && useradd --system --no-log-init --uid 10001 --gid chatbot \
        --home-dir /home/chatbot --create-home --shell /usr/sbin/nologin chatbot \
    && mkdir /data \
    && chown chatbot:chatbot /data

WORKDIR /tmp/src
COPY pyproject.toml README.md ./
COPY adapters ./adapters
COPY storage ./storage
COPY prompts ./prompts
COPY bot ./bot
RUN pip install --no-cache-dir . \
    && rm -rf /tmp/src

WORKDIR /home/chatbot
USER 10001:10001

ENV CHATBOT_HOST=0.0.0.0 \
    CHATBOT_PORT=8080 \
    CHATBOT_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('CHATBOT_PORT', '8080') + '/healthz', timeout=4)"]

CMD ["sh", "-c", "chatbot db upgrade && exec chatbot serve"]

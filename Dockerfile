# nn-playground: the playground served on port 8000.
#   docker build -t nn-playground .
#   docker run -v nn-playground-data:/data -p 8000:8000 nn-playground
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv/nn-playground

# The package (and its dependencies) first; the page's files, which change most, last.
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install --editable . \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin playground

# Sessions are kept in a SQLite store: a volume, so they outlive the container.
ENV NNP_DATA_DIR=/data
RUN mkdir /data && chown playground: /data
VOLUME ["/data"]

COPY static ./static
COPY templates ./templates

USER playground
# Bound to every interface, the server still answers only localhost, 127.0.0.1 and [::1]
# (what `docker run -p 8000:8000` reaches): give other names with -e NNP_ALLOWED_HOSTS=….
ENV NNP_HOST=0.0.0.0 \
    NNP_PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; url = f\"http://127.0.0.1:{os.environ['NNP_PORT']}/api/health\"; sys.exit(urllib.request.urlopen(url, timeout=4).status != 200)"]
CMD ["nn-playground"]

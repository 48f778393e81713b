# The portal's image (web, worker, beat and the one-shot migration all run it) and the proxy's image
# (nginx with the collected static files). `docker compose up --build` builds both.

FROM python:3.11-slim AS app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 gettext fonts-dejavu-core fonts-noto-core fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*
# Dependencies first: this layer is rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN pip install --upgrade pip && pip install ".[production]"
COPY . .
# Static files with the production settings (DEBUG=0): hashed names, gzip and brotli copies and the
# manifest (staticfiles.json) every page's {% static %} reads. The values below exist only for this
# step; the containers get their own from the environment. tests/deploy/test_build.py runs the same.
RUN DEBUG=0 SECRET_KEY=build-only-not-a-secret-0123456789-0123456789-0123456789 ALLOWED_HOSTS=build.invalid \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 STATIC_ROOT=/app/staticfiles \
    python manage.py collectstatic --noinput -v0 \
    && DEBUG=1 python manage.py compilemessages --use-fuzzy --ignore=staticfiles -v0 \
    && rm -f /tmp/build.sqlite3
RUN useradd --create-home seavl && chown -R seavl /app
USER seavl
EXPOSE 8000
# Liveness only (no database, no I/O); compose's web healthcheck asks /readyz.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
# gunicorn reads ./gunicorn.conf.py (workers, timeouts, keep-alive). No `migrate` here: compose's
# one-shot `migrate` service runs it once, before web, worker and beat start.
CMD ["gunicorn", "seavl_portal.wsgi:application"]

FROM nginx:1.27-alpine AS proxy
COPY deploy/nginx.conf /etc/nginx/conf.d/default.conf
COPY --from=app /app/staticfiles /srv/static

# `docker build .` without a target gives the portal's image.
FROM app

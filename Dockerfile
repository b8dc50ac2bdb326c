# The portal's image: one image for web, worker and beat (docker-compose.yml picks the command).
# The base image by exact tag (rebuilds get the same Python); docs/operations.md says how to
# pin it by digest as well and when to move it.
FROM python:3.11.14-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=migration_portal.settings.production

# Pango for PDF rendering (WeasyPrint), gettext for the translations.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b gettext \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY migration_portal migration_portal
COPY agencies agencies
COPY workers workers
COPY complaints complaints
COPY remittances remittances
RUN pip install .
COPY . .
# Static files collected at build time; a placeholder secret is enough for collectstatic.
RUN SECRET_KEY=build SALT_KEY=build PII_HASH_KEY=build ALLOWED_HOSTS=localhost DATABASE_URL=sqlite:////tmp/build.db REDIS_URL=redis://localhost:6379/0 \
    python manage.py compilemessages --ignore=.venv \
 && SECRET_KEY=build SALT_KEY=build PII_HASH_KEY=build ALLOWED_HOSTS=localhost DATABASE_URL=sqlite:////tmp/build.db REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput

RUN useradd --system --uid 1000 --no-create-home --home-dir /nonexistent portal && mkdir -p /app/media && chown portal /app/media
USER portal
EXPOSE 8000
# docker-compose.yml gives each service its own command; this one matches the web's.
CMD ["gunicorn", "migration_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", \
     "--worker-tmp-dir", "/dev/shm", "--no-control-socket", "--access-logfile", "-"]

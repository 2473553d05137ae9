FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
       libharfbuzz-subset0 fonts-dejavu-core curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir .
# What .dockerignore leaves: the apps, config, templates and static sources. Never .env
# (secrets reach the containers at run time, through docker-compose's env_file).
COPY . .
# collectstatic needs settings but no real services.
RUN SECRET_KEY=build ALLOWED_HOSTS=* DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --no-input

# The app runs as a user of its own. Its media folder (uploads, logos, PDFs) is made here,
# owned by that user, before USER: a fresh named volume mounted on it starts as a copy of
# it, owner included, where Docker would otherwise make it root's (docs/backups.md).
RUN useradd --create-home billwright \
    && mkdir -p /app/var/media \
    && chown -R billwright:billwright /app/var
USER billwright
EXPOSE 8000
# Threads, as `make bench` measures it (gthread, keep-alive): a request mostly waits on
# PostgreSQL; each thread holds one connection (README, "Scaling out").
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--worker-class", "gthread", "--threads", "4", "--access-logfile", "-"]

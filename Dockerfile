# One image for the web, worker and beat services of docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . .
# Static files are collected with the production storage (hashed names, compressed).
RUN pip install . \
    && python manage.py compilemessages -v0 \
    && DATABASE_URL=sqlite:////tmp/build.sqlite3 SECRET_KEY=build-only ALLOWED_HOSTS=build \
       python manage.py collectstatic --no-input -v0

RUN useradd --system --home /app clickcollect \
    && mkdir -p /data/media /data/catalogue-exports \
    && chown -R clickcollect /app /data
USER clickcollect
EXPOSE 8000
CMD ["gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"]

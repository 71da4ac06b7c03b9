# One image for the HTTP app (gunicorn), the WebSocket server (uvicorn; daphne for make run) and the task worker (huey).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential pkg-config libmariadb-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt requirements-mysql.txt ./
RUN pip install -r requirements.txt -r requirements-mysql.txt
COPY . .
RUN DEBUG=0 SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-xxxxxxxx python manage.py collectstatic --noinput

RUN useradd --system --uid 1000 treehole && mkdir -p /app/media && chown -R treehole /app/media
USER treehole
EXPOSE 8000 8001
CMD ["gunicorn", "treehole.wsgi:application", "-c", "deploy/gunicorn.conf.py"]

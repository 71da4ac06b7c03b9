import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "treehole.settings")
# Each gunicorn thread keeps one DB connection (CONN_MAX_AGE): at most `threads` per process.
os.environ["TREEHOLE_SERVER_INTERFACE"] = "wsgi"

application = get_wsgi_application()

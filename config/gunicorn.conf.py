"""gunicorn settings for production (`gunicorn -c config/gunicorn.conf.py config.wsgi`)."""

import gc
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
accesslog = "-"
# No signed links, reset tokens or query strings (card numbers searched) in the access log.
logger_class = "config.gunicorn_logging.PrivacyLogger"
# Load Django once in the master, so that workers share its memory...
preload_app = True


def post_fork(server, worker):
    # ...and keep the garbage collector from walking those long-lived objects
    # on every full collection, which shows as a slow request now and then.
    gc.freeze()

"""WSGI entry point for gunicorn (`gunicorn -c gunicorn.conf.py web.wsgi:app`).

Loaded once in the master when `preload_app` is on, so migrations, jieba and the
indexes are built before the workers fork and shared copy-on-write.
"""

from core.config import load_settings
from core.logs import configure_logging
from core.startup import prepare_database, warm_up
from web import create_app

settings = load_settings()
configure_logging(settings.log_level)
app = create_app(settings)
prepare_database(settings)
warm_up(settings)

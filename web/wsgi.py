"""WSGI entry point for gunicorn (`gunicorn -c gunicorn.conf.py web.wsgi:app`).

Loaded once in the master when `preload_app` is on, so migrations, jieba and the
indexes are built before the workers fork and shared copy-on-write.

Then everything loaded is moved out of the garbage collector's sight (`gc.freeze`):
those ~170,000 objects live as long as the process, and a full collection in a
worker would walk all of them (about 60 ms with every request thread stopped, a
latency spike) and, by touching them, copy the shared pages into each worker.
"""

import gc

from core.config import load_settings
from core.logs import configure_logging
from core.startup import prepare_database, warm_up
from web import create_app

settings = load_settings()
configure_logging(settings.log_level)
app = create_app(settings)
prepare_database(settings)
warm_up(settings)
gc.freeze()

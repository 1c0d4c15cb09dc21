"""gunicorn settings for production: preloaded app, a few sync workers with threads.

Everything here can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import multiprocessing

bind = "127.0.0.1:8000"
workers = max(2, multiprocessing.cpu_count())
threads = 4
worker_class = "gthread"
preload_app = True
# WeChat gives up after 5 s; a request still running then is not worth keeping.
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = "-"
errorlog = "-"


def post_fork(server, worker):
    """Connections opened in the master before fork must not be shared by the workers."""
    from core.cache import cache
    from core.db import db

    if db.engine is not None:
        db.engine.dispose(close=False)
    if cache.client is not None and not cache.embedded:
        cache.client.connection_pool.reset()


def worker_exit(server, worker):
    """Before a worker stops: write the log rows and send the retry replies it still holds.

    Both are written in the background in batches (core.batching); without this a
    restart or a scale-down would drop the last few tens of milliseconds of them.
    """
    from core.cache import cache
    from core.chatlog.activity_log import activity_writer

    cache.deferred.flush(timeout=5)
    if not activity_writer.flush(timeout=10):
        server.log.warning("worker %s exited with message-log rows unwritten", worker.pid)

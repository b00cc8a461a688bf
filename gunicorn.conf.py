"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Each worker builds its own app from the ALLIANCE_* settings; saves are safe across
processes (Git compare-and-swap, SQLite WAL or PostgreSQL).
"""
import gc
import os

bind = os.environ.get("ALLIANCE_BIND", "127.0.0.1:8000")
# Two workers of four threads suit two cores; on bigger machines, about one worker per core.
# Threads overlap a request's waits (git, the database) with another request's work.
workers = int(os.environ.get("ALLIANCE_WORKERS", "2"))
threads = int(os.environ.get("ALLIANCE_THREADS", "4"))
# Exports (PDF, EPUB) run inside a request in the embedded set-up and can take a while.
timeout = 120
# The addresses whose X-Forwarded-* headers gunicorn trusts: the reverse proxy's.
forwarded_allow_ips = os.environ.get("ALLIANCE_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Close each connection after its answer: a kept-alive client stays with the worker that
# accepted it, so a few busy clients could load one worker while the other idles. Behind
# a reverse proxy (which itself keeps browsers' connections alive) this costs nothing.
keepalive = 0


def post_worker_init(worker):
    """Move what the app built at start-up out of the garbage collector's sight.

    Those ~200,000 objects live as long as the worker; a full collection walking them
    stalled every request in the worker for about 100 ms. After gc.freeze() full
    collections walk only what requests made since.
    """
    gc.collect()
    gc.freeze()


# gunicorn 25+ opens a control socket at one path per user (~/.gunicorn/gunicorn.ctl): a
# second server on the machine (a test run, a second home) would take it over. Nothing here
# uses it; signals (HUP, TERM, TTIN) manage the server.
control_socket_disable = True

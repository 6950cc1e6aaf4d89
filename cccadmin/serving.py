"""How many gunicorn workers `make serve` runs, and threads in each, from the environment.

gunicorn.conf.py sizes the server with these; the settings size CCC's connection pool by the
threads and tell `check --deploy` how many workers cache on their own.
"""

import os

# A process runs Python on one core at a time: on 2 cores, 2 workers each ran at 0.7 to 0.8 of
# one, and with CCC 100 ms away 4 served more requests per second in every paired run of
# `make bench`'s load.
DEFAULT_WORKERS = 4
# Requests mostly wait on CCC, tens to hundreds of milliseconds away: enough threads that
# waiting requests do not hold back the others (8 in all held throughput at a third at 100 ms).
DEFAULT_THREADS = 16


def workers() -> int:
    return int(os.environ.get("WEB_CONCURRENCY") or DEFAULT_WORKERS)


def threads() -> int:
    return int(os.environ.get("GUNICORN_THREADS") or DEFAULT_THREADS)

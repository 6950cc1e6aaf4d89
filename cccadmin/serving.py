"""How many gunicorn workers `make serve` runs, and threads in each, from the environment.

gunicorn.conf.py sizes the server with these; the settings size CCC's connection pool by the
threads and tell `check --deploy` how many workers cache on their own.
"""

import os

# One process runs Python on one core at a time, and a kept-alive connection stays with the
# worker that accepted it: with one worker per core, while CCC is slow the worker holding fewer
# busy connections leaves its core idle. Two per core kept both cores busy in `make bench`.
DEFAULT_WORKERS = 4
# Requests mostly wait on CCC, tens to hundreds of milliseconds away: enough threads that
# waiting requests do not hold back the others (8 in all held throughput at a third at 100 ms).
DEFAULT_THREADS = 16


def workers() -> int:
    return int(os.environ.get("WEB_CONCURRENCY") or DEFAULT_WORKERS)


def threads() -> int:
    return int(os.environ.get("GUNICORN_THREADS") or DEFAULT_THREADS)

"""How many gunicorn workers `make serve` runs, and threads in each, from the environment.

gunicorn.conf.py sizes the server with these; the settings size CCC's connection pool by the
threads, tell `check --deploy` how many workers cache on their own, and refuse to start on a
size that is not a count. `make serve` runs `check --deploy` first, so it stops there; gunicorn
run alone starts with the default threads and its worker refuses (a WEB_CONCURRENCY that is not
a number stops gunicorn itself, which reads it before any configuration).
"""

import os

# A process runs Python on one core at a time: on 2 cores, 2 workers each ran at 0.7 to 0.8 of
# one, and with CCC 100 ms away 4 served more requests per second in every paired run of
# `make bench`'s load.
DEFAULT_WORKERS = 4
# Requests mostly wait on CCC, tens to hundreds of milliseconds away: enough threads that
# waiting requests do not hold back the others (8 in all held throughput at a third at 100 ms).
DEFAULT_THREADS = 16

# Each variable: its default, and what it counts.
_SIZES = {
    "WEB_CONCURRENCY": (DEFAULT_WORKERS, "worker processes gunicorn runs"),
    "GUNICORN_THREADS": (DEFAULT_THREADS, "threads each worker runs"),
}


def workers() -> int:
    return _size("WEB_CONCURRENCY")


def threads() -> int:
    return _size("GUNICORN_THREADS")


def problems() -> list[str]:
    """Each size set to something other than a whole number above 0."""
    return [
        f"{name} is not a whole number above 0 ({value!r}): set it to how many {counted}"
        for name, (_, counted) in _SIZES.items()
        if (value := os.environ.get(name)) and _count(value) is None
    ]


def _size(name: str) -> int:
    """The variable's count, or its default where it is unset or not a count (`problems`)."""
    default, _ = _SIZES[name]
    return _count(os.environ.get(name) or "") or default


def _count(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() and int(value) > 0 else None

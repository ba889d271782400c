"""The weekly job: one lock, a crawl of every enabled source, rematch, alerts, a run report."""
from __future__ import annotations

import fcntl
import json
import logging
import os
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from crawler.runner import run_crawl
from crawler.store import open_db

logger = logging.getLogger(__name__)


class AlreadyRunning(RuntimeError):
    """Another weekly job holds the lock."""


@contextmanager
def exclusive_lock(db_path: str):
    """Hold ``<db>.lock`` for the run; a second run fails at once instead of crawling twice."""
    lock_path = Path(f"{db_path}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise AlreadyRunning(f"another `veille weekly` is running (pid {handle.read().strip() or '?'}, lock {lock_path})") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield


def outdated_matches(db, keywords_version: str) -> int:
    """Sessions scored with another keywords.yml than the current one."""
    return db.execute(
        "select count(*) from matches where keywords_version is not ? ", [keywords_version]).fetchone()[0]

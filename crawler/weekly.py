"""The weekly job: one lock, a crawl of every enabled source, rematch, alerts, a run report."""
from __future__ import annotations

import fcntl
import json
import logging
import os
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from matchers import load_matcher

from crawler.alerts import (DEFAULT_FAILED_SHARE, build_digests, config_path, load_config, send_digests,
                            too_many_failed)
from crawler.rematch import rematch
from crawler.report import run_summary
from crawler.runner import crawl_today, run_crawl
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
            holder = handle.read().strip() or "?"
            raise AlreadyRunning(f"another `veille weekly` is running (pid {holder}, lock {lock_path})") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield


def run_weekly(sources: str, db: str, alerts_config: str | None, keywords: str,
               overrides: dict[str, str] | None = None) -> tuple[dict, bool]:
    """Crawl, rematch if keywords.yml changed, send alerts; returns (report, whether the run is ok).

    The run is not ok when the crawl failed or at least the configured share of sources failed (the
    maintainers' digest reports the same crawls).
    """
    config_file = config_path(alerts_config)
    config = load_config(config_file) if config_file.exists() else None  # read first: a bad config fails fast
    with exclusive_lock(db):
        # The crawl scores with the same keywords.yml as the version check and rematch below: left to
        # the settings' default, a run with --keywords scored every session twice (default, then K).
        # An explicit `-s VEILLE_KEYWORDS=…` still wins, as every -s override does.
        run_id = run_crawl(sources, db, overrides={"VEILLE_KEYWORDS": str(keywords), **(overrides or {})})
        database = open_db(db)
        version = load_matcher(keywords).version
        outdated = database.execute(
            "select exists(select 1 from matches where keywords_version is not ?)", [version]).fetchone()[0]
        relevance_changed = rematch(db, keywords)[0] if outdated else []
        today = date.fromisoformat(crawl_today(overrides))
        if config is None:
            logger.warning("no alerts config at %s: no alert sent", config_file)
            alerts = {"sent": [], "failed": [], "recorded": 0}
        else:
            alerts = send_digests(database, build_digests(database, config, today))
        report = {**run_summary(database, run_id), "rematched": len(relevance_changed),
                  "alerts_sent": alerts["sent"], "alerts_failed": alerts["failed"]}
        stored = json.loads(database["crawl_runs"].get(run_id)["report"] or "{}")
        database["crawl_runs"].update(run_id, {"report": json.dumps({**stored, "weekly": report}, ensure_ascii=False)})
    failed_share = config.failed_share if config else DEFAULT_FAILED_SHARE
    ok = report["status"] != "failed" and not too_many_failed(report["sources_failed"], report["sources"], failed_share)
    logger.info("weekly run %s: %s", run_id, report)
    return report, ok

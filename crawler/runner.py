"""Run a crawl in this process: project settings, per-run overrides, the calendar spider."""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from crawler import PROJECT_ROOT
from crawler.sources import load_sources
from crawler.store import open_db


def crawl_today(overrides: dict[str, str] | None = None) -> str:
    """The ISO day a crawl run with these ``-s`` overrides treats as today: ``VEILLE_TODAY``
    (tests freeze it), else the real date; the summary and alerts must use the crawl's own day."""
    return (overrides or {}).get("VEILLE_TODAY") or date.today().isoformat()


def crawl_settings(sources: str, db: str, overrides: dict[str, str] | None = None):
    """Scrapy settings of crawler/settings.py, with the run's files and ``-s`` overrides."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = get_project_settings()
    settings.set("VEILLE_SOURCES", str(sources), priority="cmdline")
    settings.set("VEILLE_DB", str(db), priority="cmdline")
    if not Path(settings.get("VEILLE_KEYWORDS")).is_absolute():
        # keywords.yml ships with the code: find it wherever the command is run from.
        settings.set("VEILLE_KEYWORDS", str(PROJECT_ROOT / settings.get("VEILLE_KEYWORDS")), priority="project")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def run_crawl(sources: str, db: str, only: list[str] | None = None, overrides: dict[str, str] | None = None) -> int:
    """Crawl the enabled sources (or ``only`` those ids) into ``db``; returns the crawl run id.

    Twisted's reactor cannot restart: call this once per process. A malformed sources file
    raises SourcesError here, before anything is fetched or written.
    """
    load_sources(sources)
    process = CrawlerProcess(crawl_settings(sources, db, overrides))
    crawler = process.create_crawler("calendar")
    process.crawl(crawler, only=",".join(only) if only else None)
    process.start()
    run_id = getattr(crawler.spider, "run_id", None)
    # Scrapy logs an exception in a pipeline's open or close and carries on: a run that never
    # opened, or never finished writing, must not pass for a good one (nor report the last one).
    if run_id is None:
        raise CrawlFailed("the crawl stopped before opening the database: see the log above")
    if open_db(db)["crawl_runs"].get(run_id)["status"] == "running":
        raise CrawlFailed(f"crawl run {run_id} did not finish writing: see the log above")
    return run_id


class CrawlFailed(RuntimeError):
    """The crawl itself broke (not a source): nothing reliable was stored."""

"""Crawl sites served on loopback with the real ``veille crawl`` command, into a real database."""
import shutil
import sqlite3
import subprocess
import sys

import yaml
from scrapy.utils.test import get_crawler

from conftest import ROOT
from crawler.sites import SITES_DIR
from crawler.spiders.calendar import CalendarSpider

TODAY = "2026-11-25"  # frozen clock for every crawl in the tests
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]


def write_sources(path, entries):
    """A sources.yml for the given entries (dicts), with the defaults tests don't care about."""
    sources = [{"kind": "other", "format": "auto", "evidence": "seen", **e} for e in entries]
    path.write_text(yaml.safe_dump({"sources": sources}, allow_unicode=True), encoding="utf-8")
    return path


def crawl(sources_file, db, *extra, today=TODAY):
    """Run ``veille crawl`` in a subprocess (Twisted's reactor runs once per process)."""
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", "--sources", str(sources_file), "--db", str(db),
         "-s", f"VEILLE_TODAY={today}", *FAST, *extra],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )
    return result


def spider_for(sources_file, today: str = TODAY, **arguments) -> CalendarSpider:
    """The calendar spider as ``scrapy crawl calendar -a NAME=VALUE`` builds it, to hand it
    responses (or arguments) directly."""
    crawler = get_crawler(CalendarSpider, {"VEILLE_SOURCES": str(sources_file), "VEILLE_TODAY": today})
    return CalendarSpider.from_crawler(crawler, **arguments)


def rows(db, sql, params=()):
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def copy_site(name, dest):
    """A writable copy of a bundled site, for tests that change it between crawls."""
    return shutil.copytree(SITES_DIR / name, dest)


def read(path):
    """A fixture file's text, line ends untouched (iCalendar wants CRLF)."""
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def write(path, text):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def edit(path, old, new):
    text = read(path)
    assert old in text, old
    write(path, text.replace(old, new))

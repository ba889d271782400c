"""Item pipelines: validate -> match -> store.

Sessions are kept in memory per source and written when that source is finished (or at the
end of the crawl), one transaction per source, so a crash never leaves a source half-written.
"""
from __future__ import annotations

import logging
from collections import defaultdict

from scrapy.exceptions import DropItem

from crawler.items import InvalidSession, validate
from crawler.scoring import match_record
from crawler.spiders.calendar import source_finished
from crawler.store import Store
from matchers import load_matcher

logger = logging.getLogger(__name__)


class ValidatePipeline:
    """Drop (and report, with its URL) any item that could not be stored whole."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        try:
            validate(item)
        except InvalidSession as error:
            run = self.crawler.spider.runs[item["source_id"]]
            run.error(item.get("url") or "", "invalid", f"{item.get('title')!r}: {error}")
            raise DropItem(str(error)) from None
        return item


class MatchPipeline:
    """Score each session for digital privacy, keeping the evidence."""

    def __init__(self, keywords_path: str):
        self.matcher = load_matcher(keywords_path)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("VEILLE_KEYWORDS"))

    def process_item(self, item):
        item["match"] = match_record(self.matcher, item)
        return item


class StorePipeline:
    """Write each source's sessions, matches and health to the database as soon as the source is
    finished (every page answered, every item through the pipelines), one transaction per source;
    what is left when the crawl closes is written then. A source's items leave memory once written."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.db_path = crawler.settings.get("VEILLE_DB")
        self.items: dict[str, list[dict]] = defaultdict(list)
        self.saved: dict[str, dict] = {}  # source id -> what its save gave (outcome, counts, pages...)
        crawler.signals.connect(self._save, signal=source_finished)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        spider = self.crawler.spider
        self.store = Store(self.db_path)
        self.store.sync_sources(spider.sources.values())
        self.run_id = self.store.start_run()
        spider.run_id = self.run_id

    def process_item(self, item):
        self.items[item["source_id"]].append(item)
        return item

    def _save(self, source_id: str) -> None:
        """One source in one transaction; its items are dropped only once written (a failed write
        is tried again at close, where its error stops the run from passing as finished)."""
        spider = self.crawler.spider
        health = spider.runs[source_id].summary()
        items = _unique(self.items.get(source_id, []))
        counts = self.store.save_source(self.run_id, spider.sources[source_id], items, health)
        self.items.pop(source_id, None)
        outcome = "failed" if health["failed"] else ("empty" if not items else "ok")
        self.saved[source_id] = {"outcome": outcome, **counts, "pages": health["pages"],
                                 "errors": len(health["errors"]), "strategy": health["strategy"],
                                 "beyond_horizon": health["beyond_horizon"]}

    def close_spider(self):
        spider = self.crawler.spider
        totals = {"sources_ok": 0, "sources_failed": 0, "sources_empty": 0,
                  "sessions_new": 0, "sessions_changed": 0, "sessions_gone": 0, "pages": 0, "sources": {}}
        for source_id in spider.sources:
            if source_id not in self.saved:
                self._save(source_id)
            saved = self.saved[source_id]
            totals[f"sources_{saved['outcome']}"] += 1
            totals["pages"] += saved["pages"]
            for key in ("new", "changed", "gone"):
                totals[f"sessions_{key}"] += saved[key]
            totals["sources"][source_id] = saved
        self.store.cluster_duplicates()
        status = "failed" if spider.sources and totals["sources_failed"] == len(spider.sources) else "finished"
        self.store.finish_run(self.run_id, totals, status)
        logger.info("run %s %s: %s", self.run_id, status, {k: v for k, v in totals.items() if k != "sources"})


def _unique(items: list[dict]) -> list[dict]:
    """One item per id: the same session reached through two pages is stored once."""
    return list({item["id"]: item for item in items}.values())

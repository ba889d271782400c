"""The generic calendar spider: fetch each enabled source, hand every response to the extractors.

It decides only what to fetch (start URL, links the extractors propose, within the source's
host, page budget and date horizon); reading formats is the extractors' job.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone

import scrapy
from scrapy import signals

from crawler.canonical import canonical_url, site_of, url_key
from crawler.extractors import detect
from crawler.extractors.base import ExtractError
from crawler.health import SourceRun
from crawler.items import session_id
from crawler.middlewares import describe_failure
from crawler.sources import load_sources

# Sent with ``source_id`` once every request of a source is answered (or has failed) and every
# item it gave has left the pipelines: the store can then write that source without waiting
# for the whole crawl. A source that never gets there (a request Scrapy drops without a word)
# is written when the crawl closes, as all were before.
source_finished = object()


def identity_on_site(value: str, site_url: str, drop_pagination: bool = False) -> str:
    """What identifies a session within its source: a URL of the source's own site loses its
    host, so ids survive a move to https or a new domain (and the demo's random ports).

    A page of one session also loses its pagination parameters: abf.asso.fr serves the same
    article as `/2/699/3371/ABF-Region/slug` and as `...slug?p=5&p2=1&p3=0`.
    """
    if value.startswith(("http://", "https://")):
        # One canonicalisation of `value` for both the test and the result: url_key is
        # `host/path...`, its host does not depend on drop_pagination, and site_of is that host.
        host, _, rest = url_key(value, drop_pagination=drop_pagination).partition("/")
        if host == site_of(site_url):
            return "/" + rest
    return value


class CalendarSpider(scrapy.Spider):
    name = "calendar"

    def __init__(self, sources_file: str | None = None, only: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.sources_file = sources_file
        self.only = set(only.split(",")) if only else None

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.sources_file = spider.sources_file or settings.get("VEILLE_SOURCES")
        today = settings.get("VEILLE_TODAY")
        spider.today = date.fromisoformat(today) if today else date.today()
        spider.sources = {
            s.id: s for s in load_sources(spider.sources_file)
            if s.enabled and s.url and (spider.only is None or s.id in spider.only)
        }
        if spider.only and (unknown := spider.only - set(spider.sources)):
            raise ValueError(f"no enabled source with id {', '.join(sorted(unknown))} in {spider.sources_file}")
        spider.runs = {sid: SourceRun(sid) for sid in spider.sources}
        spider.open_pages, spider.open_items, spider.finished = Counter(), Counter(), set()
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(spider._item_done, signal=signal)
        return spider

    async def start(self):
        for source in self.sources.values():
            request = self._request(source, canonical_url(source.url))
            if request is not None:
                yield request

    def _request(self, source, url: str) -> scrapy.Request | None:
        if not self.runs[source.id].claim(url, source.max_pages):
            return None
        # The source's run already refuses a URL twice, so Scrapy's global duplicate filter is
        # off: with it, a redirect loop /loop-a -> /loop-b -> /loop-a ended silently (the second
        # /loop-a was dropped as a duplicate, no errback, no error row), and a page two sources
        # link to was fetched for one only.
        self.open_pages[source.id] += 1
        return scrapy.Request(url, callback=self.parse, errback=self.failed, dont_filter=True,
                              cb_kwargs={"source_id": source.id})

    def failed(self, failure):
        source_id = failure.request.cb_kwargs["source_id"]
        kind, message = describe_failure(failure, self.settings.getint("DOWNLOAD_MAXSIZE"))
        self.runs[source_id].error(failure.request.url, kind, message)
        self._page_done(source_id)

    def _page_done(self, source_id: str) -> None:
        self.open_pages[source_id] -= 1
        self._maybe_finished(source_id)

    def _item_done(self, item, **_) -> None:
        """An item left the pipelines: stored, dropped as invalid, or lost to a pipeline error."""
        source_id = item.get("source_id") if isinstance(item, dict) else None
        if source_id in self.open_items:
            self.open_items[source_id] -= 1
            self._maybe_finished(source_id)

    def _maybe_finished(self, source_id: str) -> None:
        if self.open_pages[source_id] == 0 and self.open_items[source_id] == 0 and source_id not in self.finished:
            self.finished.add(source_id)
            self.crawler.signals.send_catch_log(source_finished, source_id=source_id)

    def parse(self, response, source_id: str):
        try:
            yield from self._read(response, source_id)
        finally:  # the page's links are requested and its items counted by now
            self._page_done(source_id)

    def _read(self, response, source_id: str):
        source, run = self.sources[source_id], self.runs[source_id]
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        try:
            extraction = detect.extract(response.body, response.url, self.today, content_type, format=source.format)
        except ExtractError as error:
            # Not counted as read: a source whose only page is broken has failed, and its
            # stored sessions must not start ageing towards "gone".
            run.error(response.url, "unreadable", str(error))
            return
        except Exception as error:  # noqa: BLE001 (an extractor bug must cost one page, said in words)
            # ics.py raised ZoneInfoNotFoundError on ``X-WR-TIMEZONE:Europe.Paris``: Scrapy
            # only logged "Spider error processing" and the source ended failed with no row saying why.
            self.logger.exception("extractor crashed on %s", response.url)
            run.error(response.url, "extractor-bug", f"{type(error).__name__}: {error}")
            return
        run.pages += 1
        run.strategies[extraction.strategy] += 1
        for problem in extraction.problems:
            run.error(response.url, "problem", problem)
        yield from self._items(source, run, response.url, extraction.sessions)
        for link in extraction.follow:
            link = canonical_url(response.urljoin(link))
            if site_of(link) != source.host:
                continue  # off-site links are never followed
            request = self._request(source, link)
            if request is not None:
                yield request

    def _items(self, source, run, page_url: str, sessions: list[dict]):
        horizon = (self.today + timedelta(days=source.horizon_days)).isoformat()
        fetched_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        for index, raw in enumerate(sessions):
            if not raw.get("start"):
                continue
            if raw["start"][:10] > horizon:
                run.beyond_horizon += 1
                continue
            # The source's own id when it has one; else the page, and the position on it when a
            # page announces several sessions: never the date or title, which change.
            identity = identity_on_site(raw.get("uid") or page_url, source.url, drop_pagination=len(sessions) == 1)
            if not raw.get("uid") and len(sessions) > 1:
                identity += f"#{index}"
            item = {k: v for k, v in raw.items() if k != "uid"}
            link = raw.get("url") or page_url
            if not link.startswith(("http://", "https://")):
                # A garbled link ("ittps://...") must not cost the session: point at the page.
                run.error(page_url, "problem", f"lien illisible {link!r} pour « {raw.get('title')} »")
                link = page_url
            item.update(
                id=session_id(source.id, identity),
                source_id=source.id,
                uid=raw.get("uid"),
                url=link,
                organiser=raw.get("organiser") or source.name,
                fetched_at=fetched_at,
            )
            run.count_item(item, self.today.isoformat())
            self.open_items[source.id] += 1
            yield item

"""The generic calendar spider: fetch each enabled source, hand every response to the extractors.

It decides only what to fetch (start URL, links the extractors propose, within the source's
host, page budget and date horizon); reading formats is the extractors' job.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import scrapy
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import DNSLookupError, TCPTimedOutError, TimeoutError as TwistedTimeout

from crawler.canonical import canonical_url, url_key
from crawler.extractors import detect
from crawler.extractors.base import ExtractError
from crawler.health import SourceRun
from crawler.items import session_id
from crawler.sources import load_sources


def describe_failure(failure) -> tuple[str, str]:
    """(kind, message) of a failed request, in words a maintainer can act on."""
    if failure.check(HttpError):
        status = failure.value.response.status
        return "http", f"HTTP {status}"
    if failure.check(DNSLookupError):
        return "dns", "host not found"
    if failure.check(TwistedTimeout, TCPTimedOutError):
        return "timeout", "no answer in time"
    if failure.value.__class__.__name__ == "IgnoreRequest" and "robots" in str(failure.value).lower():
        return "robots", "forbidden by robots.txt"
    return failure.type.__name__.lower(), str(failure.value) or failure.type.__name__


def site_of(url: str) -> str:
    """``host[:port]`` without ``www.``: two URLs of one site compare equal."""
    return url_key(url).split("/", 1)[0]


def identity_on_site(value: str, site_url: str) -> str:
    """What identifies a session within its source: a URL of the source's own site loses its
    host, so ids survive a move to https or a new domain (and the demo's random ports)."""
    if value.startswith(("http://", "https://")) and site_of(value) == site_of(site_url):
        return "/" + url_key(value).partition("/")[2]
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
        return spider

    async def start(self):
        for source in self.sources.values():
            request = self._request(source, canonical_url(source.url))
            if request is not None:
                yield request

    def _request(self, source, url: str) -> scrapy.Request | None:
        run = self.runs[source.id]
        if run.pages_requested >= source.max_pages:
            run.budget_reached = True
            return None
        run.pages_requested += 1
        return scrapy.Request(url, callback=self.parse, errback=self.failed, cb_kwargs={"source_id": source.id})

    def failed(self, failure):
        source_id = failure.request.cb_kwargs["source_id"]
        kind, message = describe_failure(failure)
        self.runs[source_id].error(failure.request.url, kind, message)

    def parse(self, response, source_id: str):
        source, run = self.sources[source_id], self.runs[source_id]
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        try:
            extraction = detect.extract(response.body, response.url, self.today, content_type, format=source.format)
        except ExtractError as error:
            # Not counted as read: a source whose only page is broken has failed, and its
            # stored sessions must not start ageing towards "gone".
            run.error(response.url, "unreadable", str(error))
            return
        run.pages += 1
        run.strategies[extraction.strategy] += 1
        for problem in extraction.problems:
            run.error(response.url, "problem", problem)
        yield from self._items(source, run, response.url, extraction.sessions)
        for link in extraction.follow:
            link = canonical_url(response.urljoin(link))
            if site_of(link) != site_of(source.url):
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
            identity = identity_on_site(raw.get("uid") or page_url, source.url)
            if not raw.get("uid") and len(sessions) > 1:
                identity += f"#{index}"
            item = {k: v for k, v in raw.items() if k != "uid"}
            item.update(
                id=session_id(source.id, identity),
                source_id=source.id,
                uid=raw.get("uid"),
                url=raw.get("url") or page_url,
                organiser=raw.get("organiser") or source.name,
                fetched_at=fetched_at,
            )
            run.count_item(item, self.today.isoformat())
            yield item

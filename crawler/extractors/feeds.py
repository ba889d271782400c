"""Sessions announced in the entries of RSS 0.9x/1.0 (RDF)/2.0 and Atom feeds.

A WordPress ABF blog's ``/feed/`` holds each post's full HTML: the session dates are in
that text ("JEUDI 14 JANVIER" / "9 H 00 – 12 H 00"), never in ``pubDate``, which only
anchors the year of dates written without one. Each entry's HTML is read exactly as a
post of the WordPress REST API is (``html.post_sessions``), so a report post gives nothing.
feedparser handles the encodings (ISO-8859-1 declared, Latin-1 undeclared) and formats.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import feedparser

from crawler.extractors.base import Extraction, ExtractError
from crawler.extractors.html import post_sessions


@dataclass(frozen=True)
class Entry:
    """One feed entry: what a session needs, with its HTML text and its own post date."""

    title: str
    link: str
    published: date | None
    html: str


@dataclass(frozen=True)
class Feed:
    """A parsed feed: its title and its entries in order."""

    title: str
    entries: list[Entry]


def read_feed(body: bytes, url: str) -> Feed:
    """The entries of a feed; ``ExtractError`` when the bytes are no feed at all."""
    parsed = feedparser.parse(body, response_headers={"content-location": url})
    if not parsed.entries and not parsed.feed.get("title"):
        reason = parsed.get("bozo_exception") or "no channel and no entry"
        raise ExtractError(f"flux illisible : {reason}")
    entries = [
        Entry(
            title=(item.get("title") or "").strip(),
            link=urljoin(url, item.get("link") or ""),
            published=_published(item),
            html=_entry_html(item),
        )
        for item in parsed.entries
    ]
    return Feed(parsed.feed.get("title", "").strip(), entries)


def extract(body: bytes, url: str, ref: date) -> Extraction:
    """Sessions of every entry whose text states a session date."""
    feed = read_feed(body, url)
    sessions, problems = [], []
    for entry in feed.entries:
        found, trouble = post_sessions(entry.html, entry.title, entry.link, entry.published, ref,
                                       organiser=feed.title or None)
        sessions += found
        problems += trouble
    return Extraction(sessions=sessions, problems=problems, strategy="feed")


def _entry_html(item) -> str:
    """The fullest text of an entry: ``content:encoded``/Atom content, else the summary.

    feedparser stores the summary as None for ``<description><![CDATA[]></description>``.
    """
    contents = [c.get("value", "") for c in item.get("content", []) if c.get("value")]
    return max(contents, key=len) if contents else item.get("summary") or ""


def _published(item) -> date | None:
    """The entry's own local publication day: the stated offset, not feedparser's UTC.

    feedparser turns "Fri, 20 Nov 2026 00:30:00 +0100" into 19 November (UTC).
    """
    for key in ("published", "updated", "dc_date"):
        value = dict.get(item, key)  # item.get("published") falls back to "updated", with a warning
        if not value:
            continue
        for parse in (datetime.fromisoformat, parsedate_to_datetime):
            try:
                return parse(value.strip()).date()
            except (ValueError, TypeError, IndexError):
                continue
    parsed = dict.get(item, "published_parsed") or dict.get(item, "updated_parsed")
    return date(*parsed[:3]) if parsed else None

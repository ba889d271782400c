"""``format: auto``: pick the extractor for a fetched document, or run the one a source names.

Content sniffing comes first and the Content-Type second, because servers lie: WordPress
serves its REST JSON as ``text/html`` when a plugin misbehaves, and many ICS feeds come as
``text/plain`` or ``application/octet-stream``.
"""
from __future__ import annotations

import importlib
import re
from datetime import date
from urllib.parse import urljoin

import lxml.etree
import lxml.html

from crawler.extractors.base import Extraction, ExtractError, load_json

# format name (as in sources.yml) -> module; html, feeds, wordpress and pdf are imported only when used.
MODULES = {
    "jsonld": "jsonld",
    "ics": "ics",
    "feed": "feeds",
    "tribe": "tribe",
    "openagenda": "openagenda",
    "wordpress": "wordpress",
    "html": "html",
    "pdf": "pdf",
}
_FEED_START = re.compile(rb"^(\s*(<\?xml[^>]*\?>|<!--.*?-->|<!DOCTYPE[^>]*>))*\s*<(rss|feed|rdf:RDF)\b", re.DOTALL)
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
_ALTERNATE_TYPES = ("text/calendar",) + _FEED_TYPES[:2]
_TRIBE_MARKERS = (b"tribe-events-calendar-", b"tribe-events-single")
_BY_TYPE = {"application/pdf": "pdf", "text/calendar": "ics", **dict.fromkeys(_FEED_TYPES, "feed")}


def extract(
    body: bytes, url: str, ref: date, content_type: str | None = None, format: str = "auto"
) -> Extraction:
    """Sessions of ``body`` read with ``format``, or with the format sniffed when it is ``auto``."""
    if format == "auto":
        format = sniff(body, content_type)
        if format == "html":
            return _from_html(body, url, ref, content_type)
    if format not in MODULES:
        raise ValueError(f"unknown format {format!r}; expected auto or one of {', '.join(MODULES)}")
    return _run(format, body, url, ref, content_type)


def sniff(body: bytes, content_type: str | None = None) -> str:
    """The format name of a document: magic bytes first, then the Content-Type, else HTML."""
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    mime = (content_type or "").split(";")[0].strip().lower()
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head[:15].upper() == b"BEGIN:VCALENDAR":
        return "ics"
    if head[:1] in (b"{", b"["):
        return _json_kind(body)
    if _FEED_START.match(head):
        return "feed"
    return _BY_TYPE.get(mime, "html")


def _json_kind(body: bytes) -> str:
    """``tribe``, ``wordpress`` or ``openagenda`` from the keys of a JSON document."""
    data = load_json(body)
    if isinstance(data, dict) and isinstance(data.get("events"), list):
        if "rest_url" in data or "next_rest_url" in data or "total_pages" in data:
            return "tribe"
        first = next((event for event in data["events"] if isinstance(event, dict)), {})
        return "tribe" if "utc_start_date" in first or "start_date" in first else "openagenda"
    if isinstance(data, dict) and "utc_start_date" in data:
        return "tribe"
    # WordPress REST posts (a list, or one post) carry HTML as {"rendered": ...}; before this
    # test the OpenAgenda catch-all took /wp-json/wp/v2/posts and reported every post as
    # "événement OpenAgenda ... ignoré : titre ou horaires absents".
    first = data[0] if isinstance(data, list) and data else data
    if isinstance(first, dict) and isinstance(first.get("content"), dict) and "rendered" in first["content"]:
        return "wordpress"
    if isinstance(data, (dict, list)):
        return "openagenda"
    raise ExtractError("JSON sans événements reconnaissables (ni The Events Calendar, ni OpenAgenda, ni WordPress)")


def _run(format: str, body: bytes, url: str, ref: date, content_type: str | None = None,
         **options) -> Extraction:
    """``format``'s extractor on ``body``; ``options`` go to it as keywords (tribe's ``embedded``)."""
    module = importlib.import_module(f"crawler.extractors.{MODULES[format]}")
    # Only the page-text reader takes the header's charset (an ISO-8859-15 page declared
    # there alone writes "cœur" with a byte Windows-1252 reads as "½"); the other formats
    # state their own encoding (XML declaration, UTF-8 JSON and ICS) or are binary.
    if format == "html":
        options["content_type"] = content_type
    result = module.extract(body, url, ref, **options)
    result.strategy = result.strategy or format
    return result


def _from_html(body: bytes, url: str, ref: date, content_type: str | None) -> Extraction:
    """An HTML page: TEC views, then schema.org events, then alternate feeds, then the page text."""
    # The schema.org reading is done once: the TEC view reads it first too (its JSON-LD
    # beats its markup), and it is this page's answer when the view gives no session.
    result = _run("jsonld", body, url, ref)
    if any(marker in body for marker in _TRIBE_MARKERS):
        view = _run("tribe", body, url, ref, embedded=result)
        if view.sessions:
            return view
    if result.sessions:
        return result
    alternates = alternate_links(body, url)
    if alternates:
        return Extraction(follow=alternates, problems=result.problems, strategy="alternate")
    html = _run("html", body, url, ref, content_type)
    html.problems[:0] = result.problems
    return html


def alternate_links(body: bytes, url: str) -> list[str]:
    """Calendar and feed URLs the page announces with ``<link rel="alternate">``.

    WordPress announces its comments feed on every page; it never lists events, so it is left out.
    """
    try:
        tree = lxml.html.fromstring(body)
    except (ValueError, lxml.etree.ParserError):
        return []
    links = []
    for link in tree.xpath('//link[@href][contains(concat(" ", normalize-space(@rel), " "), " alternate ")]'):
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        href = urljoin(url, link.get("href").strip())
        if kind in _ALTERNATE_TYPES and "comments" not in href and href not in links:
            links.append(href)
    return links

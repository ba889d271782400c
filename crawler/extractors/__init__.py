"""Extractors: one module per format family; ``detect.extract`` picks one.

This package module also holds the few helpers the extractors share: the time-zone
rule, the reading of an HTML page's bytes, and HTML-to-text.

Time-zone rule, the same for every structured format: a session is written in its
*home zone*, the zone the source declares for the calendar or the event (ICS
``X-WR-TIMEZONE``, OpenAgenda ``timezone``, The Events Calendar ``timezone``), else
Europe/Paris. A declared zone that is UTC is not a place (TEC sites left on "UTC",
CalendarLabs ``Etc/GMT``), so it counts as undeclared. Times given with an offset or
in UTC are converted to the home zone (same instant); times without a zone are
taken as home-zone wall clock.
"""
from __future__ import annotations

import codecs
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bs4 import BeautifulSoup

PARIS = ZoneInfo("Europe/Paris")
_BLOCKS = ["br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "section"]
_UTC_NAMES = {"utc", "etc/utc", "etc/gmt", "gmt", "z", "utc+0", "etc/universal", "universal", "zulu"}
_META = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([^\s"';>/]+)""", re.IGNORECASE)
_META_REACH = 1024  # browsers look for <meta charset> in the first 1024 bytes only


def home_zone(declared: str | None) -> ZoneInfo:
    """The zone sessions are written in: the declared IANA zone unless missing, unknown or UTC."""
    name = (declared or "").strip()
    if not name or name.lower() in _UTC_NAMES:
        return PARIS
    return known_zone(name) or PARIS


def known_zone(name: str) -> ZoneInfo | None:
    """The IANA zone called exactly ``name``, None when there is none ("Europe.Paris").

    Besides ZoneInfoNotFoundError, zoneinfo raises ValueError for "" or "../x" and
    IsADirectoryError for a bare region ("Europe", a cut "Europe/Paris").
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def local_iso(value: date | datetime, zone: ZoneInfo) -> str:
    """ISO 8601 for a session bound: ``YYYY-MM-DD`` for a date, else seconds + offset in ``zone``."""
    if not isinstance(value, datetime):
        return value.isoformat()
    value = value.astimezone(zone) if value.tzinfo else value.replace(tzinfo=zone)
    return value.replace(microsecond=0).isoformat()


def iso_day(day: date | None) -> str | None:
    """``YYYY-MM-DD`` for a day, None for none (a registration deadline the text did not state)."""
    return day.isoformat() if day else None


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """The text of an HTML page: UTF-8 if the bytes are valid UTF-8, else the charset the
    Content-Type header or a ``<meta>`` declares if it decodes them, else Windows-1252.

    Not BeautifulSoup's guess: it asks charset_normalizer first, which reads French cp1252
    pages as cp1250 ("ŕ la médiathčque"). UTF-8 comes before any declaration because
    declarations lie both ways (a cp1252 page served as ``charset=utf-8``, a UTF-8 page
    served as ``charset=windows-1252``), and text in a single-byte charset with accents is
    almost never valid UTF-8. Windows-1252 is the last resort because these are French
    sites, written in it by older CMS.
    """
    head = body[:_META_REACH].decode("ascii", errors="replace")
    declared = [_CHARSET.search(content_type or "")] + [_CHARSET.search(tag) for tag in _META.findall(head)]
    for name in ["utf-8-sig"] + [found[1] for found in declared if found]:
        try:
            codec = codecs.lookup(name).name
            # "iso-8859-1" means Windows-1252 on the web (the HTML standard): pages declaring
            # it write the apostrophe of "l’atelier" as byte 0x92, a control character in Latin-1.
            return body.decode("cp1252" if codec == "iso8859-1" else codec)
        except (LookupError, ValueError):  # no such codec (``<meta charset="\x15tf-8">``), or not its bytes
            continue
    return body.decode("cp1252", errors="replace")


def plain_text(html: str | None) -> str:
    """Readable text of an HTML fragment: tags dropped, entities decoded, blank runs collapsed.

    Line breaks of block elements survive, so a programme keeps its lines.
    """
    if not html:
        return ""
    if "<" in html or "&" in html:
        soup = BeautifulSoup(html, "lxml")
        for block in soup.find_all(_BLOCKS):
            block.append("\n")
        html = soup.get_text()
    lines = (re.sub(r"\s+", " ", line).strip() for line in html.splitlines())
    return "\n".join(line for line in lines if line)

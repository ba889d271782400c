"""Extractors: one module per format family; ``detect.extract`` picks one.

This package module also holds the few helpers the structured extractors share:
the time-zone rule and HTML-to-text.

Time-zone rule, the same for every structured format: a session is written in its
*home zone*, the zone the source declares for the calendar or the event (ICS
``X-WR-TIMEZONE``, OpenAgenda ``timezone``, The Events Calendar ``timezone``), else
Europe/Paris. A declared zone that is UTC is not a place (TEC sites left on "UTC",
CalendarLabs ``Etc/GMT``), so it counts as undeclared. Times given with an offset or
in UTC are converted to the home zone (same instant); times without a zone are
taken as home-zone wall clock.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bs4 import BeautifulSoup

PARIS = ZoneInfo("Europe/Paris")
_BLOCKS = ["br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "section"]
_UTC_NAMES = {"utc", "etc/utc", "etc/gmt", "gmt", "z", "utc+0", "etc/universal", "universal", "zulu"}


def home_zone(declared: str | None) -> ZoneInfo:
    """The zone sessions are written in: the declared IANA zone unless missing, unknown or UTC."""
    name = (declared or "").strip()
    if not name or name.lower() in _UTC_NAMES:
        return PARIS
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return PARIS


def local_iso(value: date | datetime, zone: ZoneInfo) -> str:
    """ISO 8601 for a session bound: ``YYYY-MM-DD`` for a date, else seconds + offset in ``zone``."""
    if not isinstance(value, datetime):
        return value.isoformat()
    value = value.astimezone(zone) if value.tzinfo else value.replace(tzinfo=zone)
    return value.replace(microsecond=0).isoformat()


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

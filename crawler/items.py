"""The session item: one training session or study day, declared once.

Spiders yield plain dicts with exactly the keys of ``SESSION_FIELDS``, which documents
every field; validation, the store and the README use it.
"""
from __future__ import annotations

import hashlib
import re
from datetime import date, datetime

from crawler.extractors.base import STATUSES

SESSION_FIELDS = {
    "id": "stable id: the same session keeps it across crawls",
    "source_id": "id of the source in sources.yml",
    "uid": "the source's own identifier (ICS UID, OpenAgenda uid, detail-page URL) when it has one",
    "title": "title as published",
    "description": "plain-text description or programme",
    "start": "ISO 8601: a date (all-day) or a local datetime with its UTC offset",
    "end": "ISO 8601 like start, or null",
    "all_day": "true when no time of day is given",
    "occurrences": "every day of a multi-part session: list of {start, end}",
    "place": "venue and town as published",
    "organiser": "who runs the session",
    "url": "detail page (or the page where the session was found)",
    "status": "scheduled, cancelled or postponed",
    "date_text": "the raw date words, as published",
    "registration_deadline": "ISO date registration closes, or null",
    "audience": "who the session is for, as published",
    "fetched_at": "UTC time the page was fetched",
    "match": "privacy score, relevance and evidence (set by the match pipeline)",
}


class InvalidSession(ValueError):
    """An item that must not be stored; the message says which field and why."""


_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)$")


def parse_iso(value: str) -> date | datetime:
    """A date for ``YYYY-MM-DD``, an aware datetime for a datetime with offset; else InvalidSession."""
    if len(value) == 10:
        return date.fromisoformat(value)
    if not _ISO_DATETIME.match(value):
        raise InvalidSession(f"{value!r} is neither a date nor a datetime with its UTC offset")
    return datetime.fromisoformat(value)


def _comparable(value: date | datetime) -> tuple:
    return (value.date() if isinstance(value, datetime) else value, value if isinstance(value, datetime) else None)


def validate(item: dict) -> None:
    """Raise InvalidSession unless the item can be stored whole."""
    unknown = set(item) - set(SESSION_FIELDS)
    if unknown:
        raise InvalidSession(f"unknown fields {sorted(unknown)}")
    for name in ("id", "source_id", "title", "start", "status"):
        if not item.get(name):
            raise InvalidSession(f"field {name!r} is missing")
    if item["status"] not in STATUSES:
        raise InvalidSession(f"status {item['status']!r} is not one of {', '.join(STATUSES)}")
    try:
        start = parse_iso(item["start"])
        end = parse_iso(item["end"]) if item.get("end") else None
    except ValueError as error:
        raise InvalidSession(f"bad date: {error}") from None
    if end is not None:
        (start_day, start_dt), (end_day, end_dt) = _comparable(start), _comparable(end)
        if end_day < start_day or (start_dt and end_dt and end_dt < start_dt):
            raise InvalidSession(f"end {item['end']} is before start {item['start']}")
    if item.get("url") and not item["url"].startswith(("http://", "https://")):
        raise InvalidSession(f"url {item['url']!r} is not http(s)")


def session_id(source_id: str, identity: str) -> str:
    """Stable id from the source and what identifies the session there (never from mutable fields)."""
    return hashlib.sha1(f"{source_id}\n{identity}".encode()).hexdigest()[:16]

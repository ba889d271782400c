"""What every extractor returns, and the one error type it may raise.

Extractors are pure functions ``extract(body: bytes, url: str, ref: date) -> Extraction``:
no Scrapy, no network, no database, so a test can call them on bytes.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

STATUSES = ("scheduled", "cancelled", "postponed")


class ExtractError(ValueError):
    """The document as a whole cannot be read (broken JSON, not a PDF, truncated ICS...)."""


def load_json(body: bytes):
    """The JSON value of ``body``; ``ExtractError`` when it is not JSON, so the JSON formats
    (sniffing, TEC, OpenAgenda, WordPress) report a broken document in the same words."""
    try:
        return json.loads(body)
    except ValueError as error:  # also UnicodeDecodeError: bytes that are no UTF-8/16/32
        raise ExtractError(f"JSON illisible : {error}") from error


@dataclass
class Extraction:
    """Sessions found in one document, links worth fetching next, and what went wrong."""

    sessions: list[dict] = field(default_factory=list)
    follow: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    strategy: str = ""


def new_session(title: str, start: str | None, **fields) -> dict:
    """A raw session with every field present, so extractors only say what they know.

    ``start``/``end`` are ISO 8601: ``YYYY-MM-DD`` for all-day sessions, otherwise a local
    datetime with its UTC offset (``2025-03-03T09:30:00+01:00``).
    ``occurrences`` lists every day of a multi-part session as ``{"start", "end"}`` dicts.
    """
    session = {
        "uid": None,
        "title": title,
        "description": "",
        "start": start,
        "end": None,
        "all_day": bool(start) and "T" not in start,
        "occurrences": [],
        "place": None,
        "organiser": None,
        "url": None,
        "status": "scheduled",
        "date_text": None,
        "registration_deadline": None,
        "audience": None,
    }
    unknown = set(fields) - set(session)
    if unknown:
        raise TypeError(f"unknown session fields: {sorted(unknown)}")
    session.update(fields)
    return session

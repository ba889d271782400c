"""iCalendar feeds (library ICS exports, Google/Exchange calendars, OpenAgenda ICS exports).

Recurring series are expanded with recurring-ical-events; each occurrence becomes its own
session. Only sessions from 30 days before ``ref`` to 18 months after it are read: older
ones cannot be alerted about, and an open RRULE would otherwise never end.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from dateutil.relativedelta import relativedelta

from crawler.extractors import home_zone, known_zone, local_iso, plain_text
from crawler.extractors.base import Extraction, ExtractError, new_session

WINDOW_BEFORE = timedelta(days=30)
WINDOW_AFTER = relativedelta(months=18)

_STATUS = {"CANCELLED": "cancelled"}
_FOLD = re.compile(r"\r?\n[ \t]")
# Microsoft CDO writes ``BYDAY=MO, TU, WE, TH, FR``; the RRULE grammar has no spaces.
_RRULE_LINE = re.compile(r"^((?:RRULE|EXRULE)[^:\n]*:)(.*)$", re.MULTILINE)
# CalendarLabs puts an empty ``RRULE:`` in every holiday.
_EMPTY_RRULE = re.compile(r"^RRULE:[ \t]*\r?\n", re.MULTILINE)
_VTIMEZONE = re.compile(r"BEGIN:VTIMEZONE.*?END:VTIMEZONE\r?\n?", re.DOTALL)


def extract(body: bytes, url: str, ref: date) -> Extraction:
    """Sessions of an iCalendar document; ExtractError if it is not a whole VCALENDAR."""
    result = Extraction(strategy="ics")
    calendar = _parse(_clean(_decode(body)), result.problems)
    zone = _home_zone(calendar, result.problems)
    _drop_unreadable(calendar, result.problems)
    recurring = {
        str(event["UID"])
        for event in calendar.walk("VEVENT")
        if "UID" in event and any(name in event for name in ("RRULE", "RDATE", "RECURRENCE-ID"))
    }
    query = recurring_ical_events.of(calendar, skip_bad_series=True)
    untitled = set()
    for event in query.between(ref - WINDOW_BEFORE, ref + WINDOW_AFTER):
        if _text(event.get("SUMMARY")):
            result.sessions.append(_session(event, zone, url, recurring))
        elif str(event.get("UID")) not in untitled:
            untitled.add(str(event.get("UID")))
            result.problems.append(f"événement sans titre (SUMMARY) ignoré : UID {event.get('UID')}")
    return result


def _decode(body: bytes) -> str:
    """Text of the feed: UTF-8 as the RFC says, else Windows-1252 (older French CMS), else Latin-1."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return body.decode(encoding)
        except UnicodeDecodeError:
            continue
    return body.decode("latin-1")


def _clean(text: str) -> str:
    """Unfolded text with the known writer mistakes repaired, checked to be a whole calendar."""
    if "BEGIN:VCALENDAR" not in text[:1000]:
        raise ExtractError("ce document n'est pas un calendrier iCalendar (BEGIN:VCALENDAR absent)")
    if "END:VCALENDAR" not in text[-1000:]:
        raise ExtractError("calendrier iCalendar tronqué (END:VCALENDAR absent)")
    text = _FOLD.sub("", text)
    text = _EMPTY_RRULE.sub("", text)
    return _RRULE_LINE.sub(lambda line: line[1] + re.sub(r"\s+", "", line[2]), text)


def _parse(text: str, problems: list[str]) -> icalendar.Calendar:
    """The calendar; a malformed VTIMEZONE is dropped rather than losing the whole feed.

    The Events Calendar 6.3 wrote a VTIMEZONE with two TZID lines (Hathaway school feed),
    which icalendar cannot read; the events then fall back to their TZID names or floating time.
    """
    try:
        return icalendar.Calendar.from_ical(text)
    except Exception as first_error:  # icalendar raises many unrelated types on bad input
        try:
            calendar = icalendar.Calendar.from_ical(_VTIMEZONE.sub("", text))
        except Exception:
            raise ExtractError(f"calendrier iCalendar illisible : {first_error}") from first_error
        problems.append(f"fuseau horaire VTIMEZONE illisible, ignoré : {first_error}")
        return calendar


def _home_zone(calendar: icalendar.Calendar, problems: list[str]) -> ZoneInfo:
    """The calendar's home zone; an unknown X-WR-TIMEZONE is dropped and named in ``problems``.

    recurring-ical-events reads X-WR-TIMEZONE itself and raises ZoneInfoNotFoundError on a
    name such as "Europe.Paris": without it, the calendar is read as having none (Paris).
    """
    declared = calendar.get("X-WR-TIMEZONE")
    if declared is not None and known_zone(str(declared)) is None:
        problems.append(f"fuseau horaire X-WR-TIMEZONE inconnu « {declared} », Europe/Paris retenu")
        del calendar["X-WR-TIMEZONE"]
    return home_zone(str(calendar.get("X-WR-TIMEZONE", "")))


def _drop_unreadable(calendar: icalendar.Calendar, problems: list[str]) -> None:
    """Remove events whose DTSTART could not be read, naming each one in ``problems``."""
    for event in calendar.walk("VEVENT"):
        bad = [message for name, message in event.errors if name in ("DTSTART", "DTEND", "RRULE")]
        if bad or not isinstance(event.get("DTSTART"), icalendar.prop.vDDDTypes):
            problems.append(f"« {event.get('SUMMARY', 'sans titre')} » ignoré : date illisible ({'; '.join(bad)})")
            calendar.subcomponents.remove(event)


def _session(event: icalendar.Event, zone, url: str, recurring: set[str]) -> dict:
    """One occurrence as a session; series occurrences get ``UID#recurrence-id``.

    The recurrence id (the occurrence's original start) rather than its current start keeps
    the uid stable when one occurrence is moved (Google "Karaoke" moved from 31 to 17 Dec).
    """
    start = event["DTSTART"].dt
    end = event["DTEND"].dt if "DTEND" in event else None
    all_day = not isinstance(start, datetime)
    if all_day:
        # DTEND of an all-day event is exclusive; CalendarLabs even writes DTEND = DTSTART.
        end = max(start, _as_date(end) - timedelta(days=1)) if end else start
    elif end is not None and (not isinstance(end, datetime) or end <= start):
        end = None  # zero-length (issue 62 master) or a date end on a timed start (Lanyrd)
    uid = str(event["UID"]) if "UID" in event else None
    if uid in recurring:
        uid = f"{uid}#{local_iso(event['RECURRENCE-ID'].dt, zone)}"
    link = str(event.get("URL", "")).strip()
    # No all_day=: new_session derives it from start, whose local_iso has no "T" exactly
    # when DTSTART is no datetime, which is ``all_day`` here.
    return new_session(
        _text(event.get("SUMMARY")),
        local_iso(start, zone),
        uid=uid,
        end=local_iso(end, zone) if end is not None else None,
        description=_description(event),
        place=", ".join(_text(event.get("LOCATION")).splitlines()) or None,
        organiser=_organiser(event.get("ORGANIZER")),
        url=_absolute(link, url),
        status=_STATUS.get(str(event.get("STATUS", "")).upper(), "scheduled"),
    )


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _text(value) -> str:
    return str(value or "").strip()


def _description(event: icalendar.Event) -> str:
    """DESCRIPTION as plain text (Google puts HTML in it), else the HTML X-ALT-DESC."""
    return plain_text(_text(event.get("DESCRIPTION")) or _text(event.get("X-ALT-DESC")))


def _organiser(value) -> str | None:
    """ORGANIZER's common name, else its address without ``mailto:``."""
    if value is None:
        return None
    name = value.params.get("CN") if hasattr(value, "params") else None
    return str(name or value).removeprefix("mailto:").removeprefix("MAILTO:").strip() or None


def _absolute(link: str, base: str) -> str | None:
    """The event URL made absolute (Discourse writes ``/c/machbar/calendar``)."""
    return urljoin(base, link) if link else None

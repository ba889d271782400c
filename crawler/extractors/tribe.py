"""WordPress "The Events Calendar" (TEC): its REST API v1 JSON and its HTML views.

The REST API (``/wp-json/tribe/events/v1/events``) is the best source: exact UTC times,
venue and organiser fields, and ``next_rest_url`` for paging. In HTML, TEC also prints
schema.org JSON-LD, which is read first; the list, month and single-event markup is the
fallback for sites where an SEO plugin removed it.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from urllib.parse import urljoin

from bs4 import BeautifulSoup

from crawler.extractors import PARIS, decode_html, home_zone, local_iso, plain_text
from crawler.extractors import jsonld
from crawler.extractors.base import Extraction, ExtractError, load_json, new_session

_CONTAINERS = ", ".join([
    "article.tribe-events-calendar-list__event",
    "article.tribe-events-calendar-month__calendar-event",
    ".tribe-events-single",
])
_TITLE = ", ".join([
    ".tribe-events-calendar-list__event-title a",
    ".tribe-events-calendar-month__calendar-event-title a",
    ".tribe-events-single-event-title",
])
_DESCRIPTION = ", ".join([
    ".tribe-events-calendar-list__event-description",
    ".tribe-events-calendar-month__calendar-event-tooltip-description",
    ".tribe-events-single-event-description",
])
_PLACE = ".tribe-events-calendar-list__event-venue, .tribe-venue, .tribe-events-address"
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# "11:00 am", "14h30", "9 h": a time needs a separator or am/pm so "12 novembre" is no time.
_TIME = re.compile(r"\b(\d{1,2})\s*(?:[:h]\s*(\d{2})?\s*(am|pm)?|\s*(am|pm))", re.IGNORECASE)


def extract(body: bytes, url: str, ref: date, embedded: Extraction | None = None) -> Extraction:
    """Sessions of a TEC REST response (JSON) or of a TEC HTML view.

    ``embedded`` is the page's schema.org reading (``jsonld.extract`` on the same bytes) when
    the caller has it already: ``detect`` needs it anyway when the view gives no session.
    """
    if body.lstrip()[:1] in (b"{", b"["):
        return _from_api(body, url)
    return _from_html(body, url, ref, embedded)


def _from_api(body: bytes, url: str) -> Extraction:
    data = load_json(body)
    # The list endpoint wraps events in ``events``; the single endpoint returns one event.
    events = data.get("events") if isinstance(data, dict) and "events" in data else [data]
    if not isinstance(events, list) or not all(isinstance(event, dict) for event in events):
        raise ExtractError("réponse de l'API The Events Calendar sans liste « events »")
    result = Extraction(strategy="tribe-api")
    for event in events:
        try:
            result.sessions.append(_api_session(event, url))
        except (KeyError, TypeError, ValueError) as error:
            title = event.get("title") or "sans titre"
            result.problems.append(f"événement « {title} » ignoré : date illisible ({error})")
    if data.get("next_rest_url"):
        result.follow.append(urljoin(url, data["next_rest_url"]))
    return result


def _api_session(event: dict, response_url: str) -> dict:
    """One REST event; times from ``utc_*_date`` converted to the event's zone (UTC sites: Paris).

    Its ``url`` is resolved against the response: a relative ``"url": "/event/x/"`` passed on
    as is made validation drop the whole session ("url is not http(s)").
    """
    zone = home_zone(event.get("timezone"))
    all_day = bool(event.get("all_day"))
    start, end = (_api_time(event, "start", zone, all_day), _api_time(event, "end", zone, all_day))
    venue = event.get("venue") if isinstance(event.get("venue"), dict) else {}
    town = " ".join(filter(None, [venue.get("zip"), venue.get("city")]))
    organisers = [item.get("organizer", "") for item in event.get("organizer") or [] if isinstance(item, dict)]
    return new_session(
        plain_text(event["title"]),
        start,
        uid=str(event.get("id")) if event.get("id") is not None else None,
        end=end,
        all_day=all_day,
        description=plain_text(event.get("description")),
        place=", ".join(plain_text(part) for part in [venue.get("venue"), venue.get("address"), town] if part) or None,
        organiser=", ".join(plain_text(name) for name in organisers if name) or None,
        url=urljoin(response_url, event["url"]) if event.get("url") else None,
    )


def _api_time(event: dict, which: str, zone, all_day: bool) -> str | None:
    """``start``/``end`` of a REST event; the local date alone for all-day events."""
    local = event.get(f"{which}_date")
    if all_day:
        return local[:10] if local else None
    utc = event.get(f"utc_{which}_date")
    if utc:
        return local_iso(datetime.fromisoformat(utc).replace(tzinfo=timezone.utc), zone)
    return local_iso(datetime.fromisoformat(local), zone) if local else None


def _from_html(body: bytes, url: str, ref: date, embedded: Extraction | None = None) -> Extraction:
    if embedded is None:
        embedded = jsonld.extract(body, url, ref)
    # A copy: markup problems are added to this list, and a caller passing ``embedded`` may
    # still return it (detect falls back to the JSON-LD reading), which must not gain them.
    result = Extraction(strategy="tribe-html", problems=list(embedded.problems))
    soup = BeautifulSoup(decode_html(body), "lxml")
    result.sessions = embedded.sessions or [
        session for node in soup.select(_CONTAINERS) if (session := _markup_session(node, url, result.problems))
    ]
    result.follow = [urljoin(url, link["href"]) for link in soup.select("a.tribe-events-c-nav__next[href]")]
    return result


def _markup_session(node, page_url: str, problems: list[str]) -> dict | None:
    """One event from TEC markup; its times are site wall clock, taken as Paris time."""
    heading = node.select_one(_TITLE)
    title = plain_text(heading.get_text(" ")) if heading else ""
    day = _markup_day(node)
    if not title or not day:
        problems.append(f"événement « {title or 'sans titre'} » ignoré : date illisible")
        return None
    start_time, end_time = _markup_times(node)
    description = node.select_one(_DESCRIPTION)
    place = node.select_one(_PLACE)
    link = heading.get("href") if heading.name == "a" else None
    if not start_time:
        end = day  # all day: ends on its day, as the REST API ("end_date") and an ICS without DTEND say
    else:
        end = _at(day, end_time) if end_time else None
    return new_session(
        title,
        _at(day, start_time),
        end=end,
        uid=urljoin(page_url, link) if link else None,
        description=plain_text(description.get_text("\n")) if description else "",
        place=plain_text(place.get_text(" ")).replace("\n", ", ") if place else None,
        url=urljoin(page_url, link) if link else page_url,
    )


def _markup_day(node) -> str | None:
    """The event day: a ``<time datetime>`` or ``<abbr title>`` inside, else the month-grid cell's id."""
    for tag in node.select("time[datetime], abbr.tribe-events-start-date[title]"):
        value = tag.get("datetime") or tag.get("title")
        if _DAY.fullmatch(value or ""):
            return value
    cell = node.find_parent(attrs={"aria-labelledby": _DAY})
    found = _DAY.search(cell["aria-labelledby"]) if cell else None
    return found.group(0) if found else None


def _markup_times(node) -> tuple[str | None, str | None]:
    """Start and end times: month view has ``<time datetime="11:00">``, others only words."""
    clock = [tag["datetime"] for tag in node.select("time[datetime]") if re.fullmatch(r"\d{2}:\d{2}", tag["datetime"])]
    if clock:
        return clock[0], clock[1] if len(clock) > 1 else None
    start_text = node.select_one(".tribe-event-date-start")
    times = [_clock(match) for match in _TIME.finditer(start_text.get_text(" ").split("@")[-1])] if start_text else []
    end_text = node.select_one(".tribe-event-time")
    times += [_clock(match) for match in _TIME.finditer(end_text.get_text(" "))] if end_text else []
    return (times[0] if times else None), (times[1] if len(times) > 1 else None)


def _clock(match: re.Match) -> str:
    hour, minute = int(match[1]), int(match[2] or 0)
    meridiem = (match[3] or match[4] or "").lower()
    if meridiem == "pm" and hour < 12:
        hour += 12
    elif meridiem == "am" and hour == 12:
        hour = 0
    return f"{hour:02d}:{minute:02d}"


def _at(day: str, clock: str | None) -> str:
    return local_iso(datetime.fromisoformat(f"{day}T{clock}"), PARIS) if clock else day

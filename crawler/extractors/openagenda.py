"""OpenAgenda JSON: API v2 list and single-event responses, bare events, legacy v1 exports.

An OpenAgenda event with several ``timings`` (a training on three mornings) is one session:
start = first timing, end = last timing, every timing in ``occurrences``. List responses
carry no ``timings``, only ``firstTiming``/``nextTiming``/``lastTiming``, which give the span.
Times are written in the event's ``timezone`` (OpenAgenda also serves overseas
departments), Europe/Paris when it has none.
"""
from __future__ import annotations

from datetime import date, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawler.extractors import home_zone, local_iso, plain_text
from crawler.extractors.base import Extraction, ExtractError, load_json, new_session

# OpenAgenda status codes (API v2 docs): 2 "reprogrammé" and 4 "reporté" both mean the date
# moved; 3 "déplacé en ligne" and 5 "complet" still take place.
_STATUS = {2: "postponed", 4: "postponed", 6: "cancelled"}
_ONLINE = 2


def extract(body: bytes, url: str, ref: date) -> Extraction:
    """Sessions of an OpenAgenda JSON document, and the next page when the cursor says so."""
    data = load_json(body)
    events = _events(data)
    result = Extraction(strategy="openagenda")
    for event in events:
        session = _session(event, url)
        if isinstance(session, str):
            result.problems.append(session)
        else:
            result.sessions.append(session)
    after = data.get("after") if isinstance(data, dict) else None
    if events and after:
        result.follow.append(next_page(url, after))
    return result


def _events(data) -> list[dict]:
    """The event objects, whatever the wrapper: ``{events}``, ``{success, event}``, a bare event or a list."""
    if isinstance(data, dict) and isinstance(data.get("events"), list):
        events = data["events"]
    elif isinstance(data, dict) and isinstance(data.get("event"), dict):
        events = [data["event"]]
    elif isinstance(data, dict) and "uid" in data:
        events = [data]
    elif isinstance(data, list):
        events = data
    else:
        raise ExtractError("ce JSON n'est pas une réponse OpenAgenda (ni « events », ni « event », ni « uid »)")
    return [event for event in events if isinstance(event, dict)]


def next_page(url: str, after: list) -> str:
    """``url`` with its ``after[]`` cursor replaced by ``after`` (OpenAgenda's keyset paging)."""
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key != "after[]"]
    query += [("after[]", str(value)) for value in after]
    return urlunsplit(parts._replace(query=urlencode(query, safe="[]")))


def _in_language(value) -> str:
    """A multilingual field in French, else in any language given; plain strings pass through."""
    if isinstance(value, dict):
        value = value.get("fr") or next((text for text in value.values() if text), "")
    return str(value or "")


def _session(event: dict, page_url: str) -> dict | str:
    """One session, or a problem string naming the event when it cannot be dated or titled."""
    title = plain_text(_in_language(event.get("title")))
    name = f"« {title} »" if title else f"n° {event.get('uid')} (sans titre)"
    zone = home_zone(event.get("timezone"))
    try:
        spans = _spans(event, zone)
    except (TypeError, ValueError, AttributeError) as error:
        return f"événement OpenAgenda {name} ignoré : horaires illisibles ({error})"
    if not title or not spans:
        return f"événement OpenAgenda {name} ignoré : titre ou horaires absents (brouillon ?)"
    short, long = (plain_text(_in_language(event.get(key))) for key in ("description", "longDescription"))
    return new_session(
        title,
        spans[0]["start"],
        uid=str(event["uid"]) if event.get("uid") is not None else None,
        end=spans[-1]["end"],
        occurrences=spans if len(spans) > 1 else [],
        description="\n".join(dict.fromkeys(text for text in (short, long) if text)),
        place=_place(event),
        url=_detail_url(event) or page_url,
        status=_STATUS.get(event.get("status"), "scheduled"),
        date_text=_in_language(event.get("dateRange") or event.get("range")) or None,
    )


def _spans(event: dict, zone) -> list[dict]:
    """Every timing as ``{start, end}`` sorted by start; list mode gives only first/next/last."""
    timings = event.get("timings")
    if not timings:
        first = event.get("firstTiming") or event.get("nextTiming")
        last = event.get("lastTiming") or first
        timings = [{"begin": first["begin"], "end": last["end"]}] if first else _legacy_first_last(event)
    spans = [
        {"start": _time(timing.get("begin") or timing["start"], zone), "end": _time(timing["end"], zone)}
        for timing in timings
    ]
    return sorted(spans, key=lambda span: datetime.fromisoformat(span["start"]))


def _legacy_first_last(event: dict) -> list[dict]:
    """Legacy exports without timings still give local ``firstDate``/``firstTimeStart``... fields."""
    if not event.get("firstDate"):
        return []
    last_day = event.get("lastDate") or event["firstDate"]
    return [{
        "begin": f"{event['firstDate']}T{event.get('firstTimeStart') or '00:00'}",
        "end": f"{last_day}T{event.get('lastTimeEnd') or event.get('firstTimeEnd') or '23:59'}",
    }]


def _time(value: str, zone) -> str:
    """An OpenAgenda timestamp (``...Z``, ``.000+01:00`` or naive local) in the event's zone."""
    return local_iso(datetime.fromisoformat(value), zone)


def _place(event: dict) -> str | None:
    """Venue, address and town (v2 ``location`` or legacy top-level fields); online events say so."""
    location = event.get("location") if isinstance(event.get("location"), dict) else event
    name = location.get("name") or event.get("locationName")
    address = location.get("address") or ""
    town = " ".join(str(part) for part in (location.get("postalCode"), location.get("city")) if part)
    if town and location.get("city") and str(location["city"]).lower() in address.lower():
        town = ""  # "15 quai François Mitterrand, 14000 Caen" already names the town
    parts = [str(part).strip() for part in (name, address, town) if part and str(part).strip()]
    if not parts and event.get("attendanceMode") == _ONLINE:
        return "En ligne"
    return ", ".join(parts) or None


def _detail_url(event: dict) -> str | None:
    """The public event page: legacy ``canonicalUrl``, else built from the agenda and event slugs."""
    if event.get("canonicalUrl"):
        return event["canonicalUrl"]
    agenda = event.get("originAgenda") or {}
    if agenda.get("slug") and event.get("slug"):
        return f"https://openagenda.com/fr/{agenda['slug']}/events/{event['slug']}"
    return None

"""schema.org events embedded in HTML: JSON-LD, microdata and RDFa.

Event subtypes (EducationEvent, TheaterEvent, MusicEvent...) count as events wherever they
sit: top level, inside ``@graph``, or nested in another item (a MusicGroup's ``event``).
A ``subEvent`` is a part of its parent (one day of a multi-day training), so it becomes
one of the parent's ``occurrences``, not a session of its own.
Schema.org gives no zone but an offset; times are converted to Europe/Paris, and times
without an offset are taken as Paris wall clock (French sites).
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime
from urllib.parse import urljoin

import lxml.etree
import lxml.html

from crawler.extractors import PARIS, decode_html, local_iso, plain_text
from crawler.extractors.base import Extraction, new_session

_SCHEMA = re.compile(r"^https?://schema\.org/")
# Songkick writes ``2015-10-31T19:30:00-0400``: Python wants the colon in the offset.
_OFFSET_WITHOUT_COLON = re.compile(r"([+-]\d{2})(\d{2})$")
_COMMENT_LINE = re.compile(r"^\s*(//.*|<!--.*-->)\s*$", re.MULTILINE)
_STATUS = {"EventCancelled": "cancelled", "EventPostponed": "postponed", "EventRescheduled": "postponed"}


def extract(body: bytes, url: str, ref: date) -> Extraction:
    """Sessions of every schema.org Event in the page; broken JSON-LD blocks become problems."""
    result = Extraction(strategy="jsonld")
    html = decode_html(body).encode("utf-8")
    try:
        tree = lxml.html.fromstring(html, parser=lxml.html.HTMLParser(encoding="utf-8"))
    except lxml.etree.ParserError:  # "Document is empty": blank page or only comments
        return result
    items = _jsonld_items(tree, result.problems)
    # Only the syntaxes the page uses: pyRdfa on a page without RDFa was a fifth of a crawl's CPU.
    syntaxes = [name for name, marker in (("microdata", "//*[@itemscope]"), ("rdfa", "//*[@typeof or @vocab]"))
                if tree.xpath(f"boolean({marker})")]
    try:
        found = _extruct(html, url, syntaxes) if syntaxes else {}
    except Exception as error:  # pyRdfa and the microdata walker raise assorted types on odd markup
        result.problems.append(f"microdonnées/RDFa illisibles : {error}")
        found = {}
    items += found.get("microdata", []) + _compact_rdfa(found.get("rdfa", []))
    seen = set()
    for event in _events(items):
        session = _session(event, url, result.problems)
        key = session and (session["title"], session["start"])
        if session and key not in seen:
            seen.add(key)
            result.sessions.append(session)
    return result


def _extruct(html: bytes, url: str, syntaxes: list[str]) -> dict:
    """extruct's microdata and RDFa readers, imported only for a page that has such markup:
    importing extruct (rdflib, pyRdfa) cost every crawl process 70 ms."""
    import extruct

    return extruct.extract(html, base_url=url, encoding="utf-8", syntaxes=syntaxes, uniform=True)


def _jsonld_items(tree, problems: list[str]) -> list:
    """Every JSON-LD block, one at a time, so one broken block does not hide the others."""
    items = []
    for number, script in enumerate(tree.xpath('//script[@type="application/ld+json"]'), 1):
        source = _COMMENT_LINE.sub("", script.text_content())
        if not source.strip():
            continue
        try:
            # strict=False accepts raw newlines inside strings, common in CMS output.
            data = json.loads(source, strict=False)
        except ValueError as error:
            problems.append(f"bloc JSON-LD n° {number} illisible, ignoré : {error}")
            continue
        items.extend(data if isinstance(data, list) else [data])
    return items


def _compact_rdfa(nodes: list[dict]) -> list[dict]:
    """RDFa comes out of extruct expanded (full IRIs, ``@value`` lists, ``@id`` links): compact it."""
    by_id = {node.get("@id"): node for node in nodes}

    def compact(node: dict, path: frozenset) -> dict:
        out = {"@type": [_SCHEMA.sub("", kind) for kind in node.get("@type", [])]}
        for key, values in node.items():
            if _SCHEMA.match(key):
                out[_SCHEMA.sub("", key)] = [value_of(value, path) for value in values]
        return out

    def value_of(value: dict, path: frozenset):
        if "@value" in value:
            return value["@value"]
        target = by_id.get(value.get("@id"))
        if target is None or value["@id"] in path:
            return value.get("@id")
        return compact(target, path | {value["@id"]})

    return [compact(node, frozenset({node.get("@id")})) for node in nodes]


def _events(value) -> list[dict]:
    """Event items anywhere in ``value``, in document order, without descending into events."""
    if isinstance(value, list):
        return [event for item in value for event in _events(item)]
    if not isinstance(value, dict):
        return []
    if _is_event(value):
        return [value]
    return [event for item in value.values() for event in _events(item)]


def _is_event(item: dict) -> bool:
    kinds = item.get("@type", [])
    return any(str(kind).endswith("Event") for kind in (kinds if isinstance(kinds, list) else [kinds]))


def _first(value):
    """Schema.org allows a list wherever a value is expected; the first one is the value."""
    while isinstance(value, list):
        value = value[0] if value else None
    return value


def parse_when(value) -> date | datetime | None:
    """A schema.org Date/DateTime; naive datetimes stay naive (Paris by our rule)."""
    text = str(_first(value) or "").strip()
    if not text:
        return None
    text = _OFFSET_WITHOUT_COLON.sub(r"\1:\2", text) if "T" in text else text
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        return None


def _session(event: dict, page_url: str, problems: list[str]) -> dict | None:
    """One session, or None with a problem naming the event when it has no title or readable start."""
    title = plain_text(str(_first(event.get("name")) or ""))
    parts = [part for part in _as_list(event.get("subEvent")) if isinstance(part, dict)]
    occurrences = [span for span in map(_span, parts) if span]
    span = _span(event) or _around(occurrences)
    if not title or not span:
        raw = _first(event.get("startDate"))
        problems.append(f"événement « {title or 'sans titre'} » ignoré : date de début illisible ({raw!r})")
        return None
    link = _first(event.get("url"))
    return new_session(
        title,
        span["start"],
        uid=_first(event.get("@id")) or link,
        end=span["end"],
        occurrences=occurrences,
        description=plain_text(str(_first(event.get("description")) or "")),
        place=_place(event.get("location")) or _online(event),
        organiser=_names(event.get("organizer")),
        url=urljoin(page_url, str(link)) if link else page_url,
        status=_STATUS.get(_SCHEMA.sub("", str(_first(event.get("eventStatus")) or "")), "scheduled"),
        registration_deadline=_deadline(event.get("offers")),
        audience=_names(event.get("audience"), "audienceType"),
    )


def _span(event: dict) -> dict | None:
    """``{"start", "end"}`` as ISO strings, or None when the start is unreadable."""
    start = parse_when(event.get("startDate"))
    if start is None:
        return None
    end = parse_when(event.get("endDate"))
    return {"start": local_iso(start, PARIS), "end": local_iso(end, PARIS) if end else None}


def _around(occurrences: list[dict]) -> dict | None:
    """The span of a parent event that only dates its sub-events."""
    if not occurrences:
        return None
    return {"start": occurrences[0]["start"], "end": occurrences[-1]["end"] or occurrences[-1]["start"]}


def _as_list(value) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def _place(location) -> str | None:
    """Venue name, street, postcode and town as one line; text locations are kept as written."""
    parts = []
    for item in _as_list(location):
        if isinstance(item, str):
            parts.append(item.strip())
        elif isinstance(item, dict) and "VirtualLocation" in str(item.get("@type")):
            parts.append(" ".join(filter(None, ["En ligne", _first(item.get("url"))])))
        elif isinstance(item, dict):
            address = _first(item.get("address"))
            if isinstance(address, dict):
                keys = ("streetAddress", "postalCode", "addressLocality")
                address = " ".join(str(_first(address.get(key))).strip() for key in keys if address.get(key))
            fields = [_first(item.get("name")), address]
            parts.append(", ".join(str(field).strip() for field in fields if field and str(field).strip()))
    return " / ".join(part for part in parts if part) or None


def _online(event: dict) -> str | None:
    mode = str(_first(event.get("eventAttendanceMode")) or "")
    return "En ligne" if mode.endswith("OnlineEventAttendanceMode") else None


def _names(value, key: str = "name") -> str | None:
    """Names of organisers/audiences, which may be text, items or lists of either."""
    names = [str(item.get(key) or item.get("name") or "") if isinstance(item, dict) else str(item)
             for item in _as_list(value)]
    return ", ".join(name.strip() for name in names if name.strip()) or None


def _deadline(offers) -> str | None:
    """Earliest ``validThrough`` of the offers: when registration closes."""
    ends = [parse_when(offer.get("validThrough")) for offer in _as_list(offers) if isinstance(offer, dict)]
    return min((local_iso(end, PARIS)[:10] for end in ends if end), default=None)

"""The weekly digest as people read it: French dates in words, change notices, text and HTML.

Pure rendering: ``crawler.alerts`` decides what each subscriber has not been told yet and
hands over ``Entry``, ``HealthProblem`` and ``Feeds`` objects; this module only words and lays them out
with the Jinja2 templates of ``crawler/templates`` (HTML autoescaped: titles are scraped text).
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import groupby
from pathlib import Path

import jinja2

from crawler.frdates import MONTH_NAMES, WEEKDAY_NAMES

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)


# --- French dates ---------------------------------------------------------------------
def _day_number(day: date) -> str:
    """'14', and '1er' for the first of the month, as French writes it."""
    return "1er" if day.day == 1 else str(day.day)


def french_date(day: date) -> str:
    """'jeudi 14 janvier 2027', 'vendredi 1er janvier 2027'."""
    return f"{WEEKDAY_NAMES[day.weekday()]} {_day_number(day)} {MONTH_NAMES[day.month - 1]} {day.year}"


def french_time(moment: datetime) -> str:
    """'9 h 30', '14 h' (French typography, no leading zero)."""
    return f"{moment.hour} h" + (f" {moment.minute:02d}" if moment.minute else "")


def _parse(value: str) -> date | datetime:
    return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)


def _day(moment: date | datetime) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def french_moment(value: str) -> str:
    """A stored ``start``/``end`` in words: 'jeudi 14 janvier 2027, 9 h 30' (local time as published)."""
    moment = _parse(value)
    words = french_date(_day(moment))
    return f"{words}, {french_time(moment)}" if isinstance(moment, datetime) else words


def _hours(first: date | datetime, last: date | datetime | None) -> str | None:
    """The hours of one day: '9 h 30 – 16 h 30', '9 h 30' without an end, None for a day without hours."""
    if not isinstance(first, datetime):
        return None
    if isinstance(last, datetime) and last.date() == first.date() and last != first:
        return f"{french_time(first)} – {french_time(last)}"
    return french_time(first)


def french_span(start: str, end: str | None) -> str:
    """'jeudi 14 janvier 2027, 9 h 30 – 16 h 30', or 'du … au …' over several days."""
    first = _parse(start)
    last = _parse(end) if end else None
    if last is None or _day(last) == _day(first):
        hours = _hours(first, last)
        return french_date(_day(first)) + (f", {hours}" if hours else "")
    return f"du {french_moment(start)} au {french_moment(end)}"


def _and(words: list[str]) -> str:
    """'21', '21 et 22', '7, 14 et 21'."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} et {words[-1]}"


def french_days(days: Iterable[date]) -> str:
    """'21 et 22 mars, 11 et 12 avril 2027': every day, grouped by month, each year said once."""
    ordered = sorted(set(days))
    return ", ".join(
        ", ".join(f"{_and([_day_number(d) for d in in_month])} {MONTH_NAMES[month - 1]}"
                  for month, in_month in groupby(in_year, key=lambda d: d.month)) + f" {year}"
        for year, in_year in groupby(ordered, key=lambda d: d.year))


def french_occurrences(occurrences: list[dict]) -> str:
    """Every day of a multi-part session: 'les 21 et 22 mars, 11 et 12 avril 2027, 9 h 30 – 16 h 30'
    when the days share their hours, else each day with its own ('… ; …')."""
    spans = [(_parse(o["start"]), _parse(o["end"]) if o.get("end") else None) for o in occurrences]
    hours = {_hours(first, last) for first, last in spans}
    if len(hours) > 1:
        return " ; ".join(french_span(o["start"], o.get("end")) for o in occurrences)
    [same] = hours
    return f"les {french_days(_day(first) for first, _ in spans)}" + (f", {same}" if same else "")


# --- what changed, what is coming ----------------------------------------------------
def describe_change(field_name: str, old: str | None, new: str | None) -> str:
    """One change of a session already announced, in French ('Reportée du … au …')."""
    if field_name == "start":
        if old and new:
            verb = "Reportée" if new > old else "Avancée"
            return f"{verb} du {french_moment(old)} au {french_moment(new)}"
        return f"Date modifiée : {french_moment(new) if new else 'non précisée'}"
    if field_name == "end":
        return f"Fin modifiée : {french_moment(new) if new else 'non précisée'}"
    if field_name == "status":
        return {"cancelled": "Annulée", "postponed": "Reportée à une date non communiquée"}.get(
            new or "", "De nouveau programmée")
    if field_name == "place":
        return f"Lieu modifié : {old or 'non précisé'} → {new or 'non précisé'}"
    return f"{field_name} modifié : {old} → {new}"


def _in_days(days: int) -> str:
    return {0: "aujourd'hui", 1: "demain"}.get(days, f"dans {days} jours")


def describe_start_soon(start_date: date, today: date) -> str:
    return f"Commence {_in_days((start_date - today).days)}"


def describe_registration_closing(deadline: date, today: date) -> str:
    return f"Clôture des inscriptions {_in_days((deadline - today).days)}"


# --- the view handed to the templates -----------------------------------------------
@dataclass(frozen=True)
class Link:
    """Where to read one copy of a session: the source's page and its row in Datasette."""

    source: str
    page: str | None
    datasette: str


@dataclass
class Entry:
    """One session (or one cluster of cross-source duplicates) in a subscriber's digest."""

    session: dict  # the cluster's main row: sessions columns plus score, why, terms
    links: list[Link]
    is_new: bool = False
    changes: list[str] = field(default_factory=list)
    reminders: list[str] = field(default_factory=list)

    @property
    def day(self) -> date:
        return date.fromisoformat(self.session["start_date"])

    @property
    def kind(self) -> str:
        """What the entry mainly is, for its badge and the digest's title."""
        return "Nouveau" if self.is_new else "Modifié" if self.changes else "Rappel"

    @property
    def when(self) -> str:
        """The session's dates; every day of a multi-part one, not only its first and last."""
        occurrences = json.loads(self.session.get("occurrences") or "[]")
        if len(occurrences) > 1:
            return french_occurrences(occurrences)
        return french_span(self.session["start"], self.session["end"])

    @property
    def registration(self) -> str | None:
        deadline = self.session.get("registration_deadline")
        return f"Inscriptions jusqu'au {french_date(date.fromisoformat(deadline[:10]))}" if deadline else None

    @property
    def concepts(self) -> str:
        """The privacy themes found, once each, in the matcher's order."""
        terms = json.loads(self.session.get("terms") or "[]")
        return ", ".join(dict.fromkeys(t["concept"] for t in terms if t.get("concept")))


@dataclass(frozen=True)
class Feeds:
    """A subscriber's own calendar and Atom feed in Datasette, filtered on their territory."""

    territory: str  # as the footer names it: '35, 22, Bretagne'
    calendar: str
    atom: str


@dataclass(frozen=True)
class HealthProblem:
    """A calendar failing or degraded for two crawls or more, or a crawl that mostly failed: for maintainers."""

    subject: str  # 'Médiathèque départementale d'Ille-et-Vilaine (bd-35)', 'Collecte n° 12'
    problem: str
    url: str | None
    error: str | None
    key: str  # alerts.change_key, e.g. 'health:bd-35:12'


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def digest_title(entries: list[Entry], problems: list[HealthProblem]) -> str:
    """'Veille formations : 2 nouvelles sessions, 1 changement, 1 rappel'."""
    kinds = [e.kind for e in entries]
    parts = [
        _count(kinds.count("Nouveau"), "nouvelle session", "nouvelles sessions"),
        _count(kinds.count("Modifié"), "changement", "changements"),
        _count(kinds.count("Rappel"), "rappel", "rappels"),
        _count(len(problems), "alerte sur les sources", "alertes sur les sources"),
    ]
    return "Veille formations : " + ", ".join(p for p in parts if not p.startswith("0 "))


def render(entries: list[Entry], problems: list[HealthProblem], today: date,
           feeds: Feeds | None) -> tuple[str, str, str]:
    """(title, plain text, HTML) of one digest; entries grouped by day, earliest first, and the
    subscriber's own feeds at the foot."""
    ordered = sorted(entries, key=lambda e: (e.session["start"], e.session["title"] or ""))
    context = {
        "today": french_date(today),
        "days": [(french_date(day), list(group)) for day, group in groupby(ordered, key=lambda e: e.day)],
        "problems": problems,
        "feeds": feeds,
    }
    title = digest_title(entries, problems)
    return (title, _TEMPLATES.get_template("digest.txt").render(title=title, **context),
            _TEMPLATES.get_template("digest.html").render(title=title, **context))

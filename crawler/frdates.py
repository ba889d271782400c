"""French date expressions of training sessions -> first/last day, times and every day stated.

Pages of departmental libraries and ABF groups write dates by hand: ``JEUDI 19 OCTOBRE 9 h 000
– 16 h 30``, ``les 21 et 22 mars puis les 11 et 12 avril``, ``23/24 avril 2026``, ``16-10-24``.
dateparser reads about a quarter of these right (no ranges, no lists, no year from the
weekday), so this module is a small hand-written grammar over tokens:

    group      := [intro] item (connector [intro] item)* ["dernier" | "prochain"]
    item       := atom [("au" | "-" | "à" | "jusqu'au") atom] [times]
    atom       := [weekday] day ["er"] [month [year]] | d/m/y | yyyy-mm-dd | [weekday] d/m
    times      := [de | à | , | – | ( | /] slot ((/ | - | et | ,) slot)*
    slot       := time [(- | à | > | /) time]
    recurrence := ("tous les lundis" | "chaque lundi") (de <month> à <month> | group)

Days without a month take the month stated to their right ("17, 18 et 19 juin"); a missing
year comes from the nearest stated year, else from the weekday, else from the occurrence
nearest to ``ref`` (rules of ``shared/dates/README.md``). Nothing is invented: text with no
day gives nothing, and an impossible date ("31 février 2025") gives nothing rather than a guess.

The only exception leaving this module is :class:`DateParseError`, raised for arguments of
the wrong kind (text not a ``str``, ``ref`` not a date, unknown time zone). Text that cannot
be read is not an error: it gives ``None`` / ``[]``.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import MAXYEAR, MINYEAR, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["DateParseError", "DateSpan", "find_dates", "fold", "parse_dates"]


class DateParseError(ValueError):
    """Wrong arguments: text not a str, ref not a date, unknown time zone."""


MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "mar": 3,
    "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "juill": 7,
    "aout": 8, "aou": 8, "septembre": 9, "sept": 9, "sep": 9, "octobre": 10, "oct": 10,
    "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
}
_FULL_MONTHS = {"janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout",
                "septembre", "octobre", "novembre", "decembre"}
# Month names as French writes them, for wording dates (MONTHS above reads them, folded).
MONTH_NAMES = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
               "octobre", "novembre", "décembre")
WEEKDAY_NAMES = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
WEEKDAYS = {name: n for n, name in enumerate(WEEKDAY_NAMES)} | {
    name[:3]: n for n, name in enumerate(WEEKDAY_NAMES)} | {"vend": 4}
_WEEKDAY_PLURALS = {name + "s": n for n, name in enumerate(WEEKDAY_NAMES)}
_ORDINALS = {"er", "ere", "re", "e"}
_INTROS = {"le", "les", "du", "ce", "des"}
_CONNECTORS = {",", ";", "/", "&", "et", "puis", "ou"}
_RANGE_WORDS = {"au", "a"}
# "t" joins an ISO date to its time: "2025-03-14T09:30"
_TIME_INTROS = {",", "-", ":", "(", "|", "/", "•", "·", "de", "des", "a", "entre", "partir", "vers",
                "horaire", "horaires", "t"}
_LAST = {"dernier", "derniere", "derniers", "dernieres"}
_NEXT = {"prochain", "prochaine", "prochains", "prochaines"}
# "Durée : 6 h", "atelier d'1 h 30", "3 jours (18 h)" state a length, not a start time
_LENGTH_WORDS = {"duree", "d", "pendant", "soit", "jour", "jours"}
_YEARS = range(1900, 2101)
_MAX_RANGE_DAYS = 731
_DASHES = "‐‑‒–—―−"
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"

_TOKEN = re.compile(
    r"(?P<iso>(?<![0-9])[0-9]{4}-[0-9]{2}-[0-9]{2}(?![0-9]))"
    # Day first, same separator twice, 2- or 4-digit year: "18/11/2025", "16-10-24".
    # Phone numbers ("04.73.12.34.56") must not yield a date, hence the guards around.
    r"|(?P<numdate>(?<![0-9])(?<![0-9][./])[0-9]{1,2}(?P<sep>[/.-])[0-9]{1,2}(?P=sep)"
    r"(?:[0-9]{4}|[0-9]{2})(?![0-9])(?![./-][0-9]))"
    # "9h30", "9 h 30", "13H30", "10 heures", and the typo "9 h 000" seen on an ABF page.
    r"|(?P<time>(?<![0-9])(?P<hour>[0-9]{1,2}) {0,2}(?:heures?|h)(?![a-z])"
    r"(?: {0,2}(?P<minute>[0-9]{2,3})(?![0-9]))?"
    r"|(?<![0-9])(?P<hour2>[0-9]{1,2}):(?P<minute2>[0-9]{2})(?![0-9])|(?<!apres-)(?<!apres )\bmidi\b)"
    r"|(?P<num>[0-9]+)|(?P<word>[^\W\d_]+)|(?P<punct>[^\s\w]|_)"
)


@dataclass(frozen=True)
class DateSpan:
    """One date expression: first/last day, first start/last end time, every day stated."""

    start_date: date
    end_date: date
    start_time: time | None = None
    end_time: time | None = None
    days: tuple[date, ...] = ()
    text: str = ""
    start_offset: int = 0
    end_offset: int = 0
    # Days whose written weekday is wrong ("mardi 14 mars 2027", a Sunday). The written date is
    # kept (the year is stated, or no nearby year fits the weekday either); the page says so.
    wrong_weekdays: tuple[date, ...] = ()

    def as_dict(self) -> dict:
        """The four fields of the dev set, as ISO strings (``HH:MM`` for times)."""
        return {
            "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat(),
            "start_time": self.start_time.strftime("%H:%M") if self.start_time else None,
            "end_time": self.end_time.strftime("%H:%M") if self.end_time else None,
        }

    def weekday_note(self) -> str | None:
        """French note for the crawl report when a written weekday contradicts its date."""
        if not self.wrong_weekdays:
            return None
        days = ", ".join(f"le {day:%d/%m/%Y} est un {WEEKDAY_NAMES[day.weekday()]}" for day in self.wrong_weekdays)
        return f"jour de la semaine incohérent dans « {self.text} » : {days} ; date écrite retenue"

    def to_iso(self, tz: str = "Europe/Paris") -> tuple[str, str | None, bool]:
        """``(start, end, all_day)``: dates when no time is stated, else offset datetimes.

        A timed multi-day span without an end time ends on its last day, as a plain date.
        """
        return _iso(self.start_date, self.end_date, self.start_time, self.end_time, _zone(tz))

    def occurrences(self, tz: str = "Europe/Paris") -> list[dict]:
        """One ``{"start", "end"}`` per day in ``days``, each with the span's times."""
        zone = _zone(tz)
        pairs = (_iso(day, day, self.start_time, self.end_time, zone) for day in self.days)
        return [{"start": start, "end": end} for start, end, _ in pairs]


def _iso(first: date, last: date, start: time | None, end: time | None, zone) -> tuple:
    if start is None:
        return first.isoformat(), last.isoformat(), True
    begin = datetime.combine(first, start, zone)
    if end is not None and (last > first or end > start):
        return begin.isoformat(), datetime.combine(last, end, zone).isoformat(), False
    return begin.isoformat(), (last.isoformat() if last > first else None), False


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise DateParseError(f"unknown time zone: {tz!r}") from exc


def fold(text: str) -> str:
    """Lower case, no accents, "ᵉʳ" -> "er", plain spaces, line breaks, dashes and apostrophes.

    The result has the length of ``text``, so an offset found in it points into the original.
    """
    return text.translate(_FOLDED)


class _FoldTable(dict):
    """Code point -> its folded character, filled as characters are met, for ``str.translate``.

    Folding character by character in Python, even cached, made 2.4 million calls in a crawl
    of 1,000 pages; ``translate`` does the loop in C. Bounded, so a page of every Unicode
    character cannot grow it without end (characters beyond the bound are folded each time).
    """

    LIMIT = 20_000

    def __missing__(self, code: int) -> str:
        folded = _fold(chr(code))
        if len(self) < self.LIMIT:
            self[code] = folded
        return folded


def _fold(char: str) -> str:
    if char.isspace():
        # NBSP and U+202F narrow no-break spaces sit inside "9 h 30"; line breaks stay,
        # as labels like "Lieu :" start a line
        return "\n" if char in _LINE_BREAKS else " "
    if char in _DASHES:
        return "-"
    if char == "’":
        return "'"
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    base = base.lower()
    return base if len(base) == 1 else char


_FOLDED = _FoldTable()


class _Token(NamedTuple):  # a tuple: a frozen dataclass took longer to build than to lex
    kind: str
    text: str
    start: int
    end: int
    value: object = None


def _lex(text: str) -> list[_Token]:
    tokens = []
    for m in _TOKEN.finditer(fold(text)):
        kind, found, value = m.lastgroup, m.group(), None  # the outer group: iso, numdate, time, num, word, punct
        if kind == "iso":
            kind, value = "date", _ymd(*(int(p) for p in found.split("-")))
        elif kind == "numdate":
            day, month, year = (int(p) for p in re.split(r"[/.-]", found))
            kind, value = "date", _ymd(year + 2000 if year < 100 else year, month, day)
        elif kind == "time":
            value = _clock(m)
        tokens.append(_Token(kind, found, *m.span(), value))
    return tokens


def _ymd(year: int, month: int, day: int) -> tuple | None:
    return (day, month, year) if year in _YEARS and _valid(year, month, day) else None


def _valid(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _clock(m: re.Match) -> time | None:
    if m.group() == "midi":
        return time(12, 0)
    hour = int(m.group("hour") or m.group("hour2"))
    minute = m.group("minute") or m.group("minute2") or "0"
    minute = int(minute[:2])  # "9 h 000" is a typo for 9 h 00
    return time(hour, minute) if hour < 24 and minute < 60 else None


@dataclass
class _Atom:
    day: int
    month: int | None
    year: int | None
    weekday: int | None
    anchored: bool = False  # a month name, a year or a weekday: "9/10" alone is no date


@dataclass
class _Item:
    atoms: list[_Atom]
    is_range: bool
    end: int  # token index after the item and its times
    times: list[tuple[time, time | None]] = field(default_factory=list)


@dataclass
class _Group:
    items: list[_Item]
    start: int
    end: int
    relative: str | None = None  # "past" for "le 21 juin dernier", "next" for "prochain"
    weekday_filter: int | None = None  # recurrence "tous les lundis"
    month_span: tuple | None = None  # recurrence "de septembre à juin": (sm, sy, em, ey)


class _Parser:
    """Recursive descent over the tokens; every method returns ``(result, next_index)`` or None."""

    def __init__(self, text: str):
        self.text = text
        self.toks = _lex(text)

    def word(self, i: int, words) -> bool:
        return i < len(self.toks) and self.toks[i].kind == "word" and self.toks[i].text in words

    def punct(self, i: int, chars) -> bool:
        return i < len(self.toks) and self.toks[i].kind == "punct" and self.toks[i].text in chars

    def kind(self, i: int) -> str | None:
        return self.toks[i].kind if i < len(self.toks) else None

    def skip(self, i: int, words, limit: int) -> int:
        while limit and (self.word(i, words) or self.punct(i, words)):
            i, limit = i + 1, limit - 1
        return i

    def jusqu(self, i: int, words) -> int | None:
        """Index after "jusqu'au" / "jusqu'à", else None."""
        ok = self.word(i, {"jusqu"}) and self.punct(i + 1, "'") and self.word(i + 2, words)
        return i + 3 if ok else None

    def atom(self, i: int):
        weekday = None
        if self.word(i, WEEKDAYS) or self.word(i, _WEEKDAY_PLURALS):  # "les mardis 4, 11 et 18 mars"
            j = self.skip(i + 1, {".", ","}, 2)
            if self.kind(j) in ("num", "date"):
                weekday, i = (WEEKDAYS | _WEEKDAY_PLURALS)[self.toks[i].text], j
        tok = self.toks[i] if i < len(self.toks) else None
        if tok is not None and tok.kind == "date":
            return (_Atom(*tok.value, weekday, anchored=True), i + 1) if tok.value else None
        if tok is None or tok.kind != "num" or len(tok.text) > 2 or not 1 <= int(tok.text) <= 31:
            return None
        atom, i = _Atom(int(tok.text), None, None, weekday, anchored=weekday is not None), i + 1
        if self.word(i, _ORDINALS):
            i += 1
        if self.word(i, MONTHS):
            name = self.toks[i].text
            atom.month, atom.anchored, i = MONTHS[name], True, i + 1
            if name not in _FULL_MONTHS and self.punct(i, "."):
                i += 1  # "sept.", "févr."; the full stop after "juin." ends a sentence
            if self.year(i):
                atom.year, i = self.year(i), i + 1
            elif self.kind(i) == "num" and len(self.toks[i].text) == 2 and self.kind(i + 1) != "word":
                atom.year, i = 2000 + int(self.toks[i].text), i + 1  # "14 janv. 26", not "5 juin 25 inscrits"
        elif (self.punct(i, "/") and self.kind(i + 1) == "num"
              and 1 <= int(self.toks[i + 1].text) <= 12 and not self.word(i + 2, MONTHS)):
            atom.month, i = int(self.toks[i + 1].text), i + 2  # "le 17/03"; "23/24 avril" is two days
        return atom, i

    def item(self, i: int):
        first = self.atom(i)
        if first is None:
            return None
        atom, j = first
        for opening, after in ([], j), self.times(j):  # "du 3 mars 9h au 5 mars 17h"
            k = self.range_end(after)
            last = self.atom(k) if k is not None else None
            # "le 5 juin au 12 rue Pasteur": a dangling day does not end a full date's range
            if last is not None and (last[0].month is not None or atom.month is None):
                return _Item([atom, last[0]], True, last[1], opening), last[1]
        return _Item([atom], False, j), j

    def range_end(self, i: int) -> int | None:
        """Index after "au", "à", "-" or "jusqu'au" between two days, else None."""
        return i + 1 if self.word(i, _RANGE_WORDS) or self.punct(i, "-") else self.jusqu(i, _RANGE_WORDS)

    def clock(self, i: int) -> time | None:
        return self.toks[i].value if self.kind(i) == "time" else None

    def until(self, i: int) -> bool:
        return self.punct(i, "->") or self.word(i, {"a"})

    def slot(self, i: int):
        """One time or one time range: "9h30", "9h30-12h30", "de 9 à 12 h", "9h00/12h00"."""
        i = self.skip(i, {"de", "des", "a", "entre"}, 1)
        opened_by_entre = self.word(i - 1, {"entre"})
        start = self.clock(i)
        bare = (start is None and self.kind(i) == "num" and len(self.toks[i].text) <= 2
                and int(self.toks[i].text) < 24)
        if bare:
            start = time(int(self.toks[i].text))  # "de 9 à 12 h": the hour alone, only in a range
        if start is None:
            return None
        i += 1
        k = self.jusqu(i, {"a"})
        # "9h00/12h00" and "9h30/12h30 - 13h30/16h30" are ranges; "9h / 14h-17h" is not
        if k is None and (self.until(i) or opened_by_entre and self.word(i, {"et"})
                          or self.punct(i, "/") and (not self.until(i + 2) or self.punct(i + 4, "/"))):
            k = i + 1
        end = self.clock(k) if k is not None else None
        if end is not None:
            return (start, end), k + 1
        return None if bare else ((start, None), i)

    def times(self, i: int):
        """Slots after a date ("9h30-12h30 / 13h30-16h30", "de 9h à 12h et de 14h à 17h")."""
        first = self.slot(self.skip(i, _TIME_INTROS, 4))
        if first is None:
            return [], i
        slots, i = [first[0]], first[1]
        while self.punct(i, "/,;-|") or self.word(i, {"et", "puis"}):
            nxt = self.slot(i + 1)
            if nxt is None:
                break
            slots.append(nxt[0])
            i = nxt[1]
        return slots, i

    def intro(self, i: int) -> int:
        if self.word(i, {"l"}) and self.punct(i + 1, "'"):
            return i + 2
        return self.skip(i, _INTROS, 1)

    def group(self, i: int):
        after_intro = self.intro(i)
        found = self.item(after_intro)
        if found is None:
            return None
        items = []
        while found is not None:
            item, j = found
            closing, item.end = self.times(j)
            if item.times and closing:  # one time at each end of "du 3 mars 9h au 5 mars 17h"
                item.times = [(item.times[0][0], closing[-1][1] or closing[-1][0])]
            else:
                item.times = item.times or closing
            items.append(item)
            k = self.skip(item.end, _CONNECTORS, 2)
            if self.word(k, {"ainsi"}) and self.word(k + 1, {"que"}):
                k += 2
            found = self.item(self.intro(k)) if k > item.end else None
        while items and items[-1].atoms[-1].month is None:
            items.pop()  # "2 jours : ..." or "le 5 juin, 12 inscrits": a bare number is no date
        if not items or (after_intro == i and not any(a.anchored for item in items for a in item.atoms)):
            return None  # "9/10 des stagiaires" is no date, "le 17/03" is one
        group = _Group(items, i, items[-1].end)
        for words, relative in ((_LAST, "past"), (_NEXT, "next")):
            if self.word(group.end, words):
                group.relative, group.end = relative, group.end + 1
        return group

    def recurrence(self, i: int):
        """"tous les lundis, de septembre à juin" or "chaque mardi du 3 mars au 28 avril"."""
        if self.word(i, {"tous"}) and self.word(i + 1, {"les"}) and self.word(i + 2, _WEEKDAY_PLURALS):
            weekday, j = _WEEKDAY_PLURALS[self.toks[i + 2].text], i + 3
        elif self.word(i, {"chaque"}) and self.word(i + 1, WEEKDAY_NAMES):
            weekday, j = WEEKDAYS[self.toks[i + 1].text], i + 2
        else:
            return None
        j = self.skip(j, {","}, 1)
        months = self.month_span(j)
        if months is not None:
            span, j = months
            item = _Item([], False, j)
            item.times, item.end = self.times(j)
            group = _Group([item], i, item.end, month_span=span)
        else:
            group = self.group(j)
            if group is None:
                return None
            group.start = i
        group.weekday_filter = weekday
        return group

    def month_span(self, i: int):
        """"de septembre à juin", "d'octobre 2025 à mai 2026" -> ((sm, sy, em, ey), next)."""
        i = i + 2 if self.word(i, {"d"}) and self.punct(i + 1, "'") else self.skip(i, {"de", "du"}, 1)
        first = self.month_year(i)
        if first is None:
            return None
        i = first[1]
        k = self.range_end(i)
        last = self.month_year(k) if k is not None else None
        return ((*first[0], *last[0]), last[1]) if last else None

    def month_year(self, i: int):
        if not self.word(i, MONTHS):
            return None
        year = self.year(i + 1)
        return (MONTHS[self.toks[i].text], year), i + 1 + (year is not None)

    def year(self, i: int) -> int | None:
        number = int(self.toks[i].text) if self.kind(i) == "num" else 0
        return number if number in _YEARS else None

    def free_times(self) -> list[tuple[int, int, list]]:
        """Every time statement as (start offset, end offset, slots), for merging in parse_dates."""
        found, i = [], 0
        while i < len(self.toks):
            slots, j = self.times(i) if self.kind(i) == "time" else ([], i)
            # "repas de midi" is a meal
            if slots and self.toks[i].text != "midi" and not self.word(i - 1, _LENGTH_WORDS) \
                    and not self.word(i - 2, _LENGTH_WORDS):
                found.append((self.toks[i].start, self.toks[j - 1].end, slots))
            i = max(j, i + 1)
        return found


def _fill(atoms: list[_Atom], ref: date, relative: str | None) -> list[date] | None:
    """Months from the right, then years: stated, else weekday, else nearest to ``ref``.

    Only a smaller month turns the year ("30 décembre au 2 janvier"); days out of order in
    one month ("du 5 au 3 juin") are a typo, left for the range check to refuse.
    """
    for k in range(len(atoms) - 2, -1, -1):
        if atoms[k].month is None:
            atoms[k].month = atoms[k + 1].month
    if any(a.year for a in atoms):
        years = [a.year for a in atoms]
        for k in range(len(atoms) - 2, -1, -1):  # "du 30 décembre au 2 janvier 2025"
            if years[k] is None and years[k + 1] is not None:
                years[k] = years[k + 1] - (atoms[k].month > atoms[k + 1].month)
        for k in range(1, len(atoms)):  # "le 3 mars 2025 et le 5 avril"
            if years[k] is None:
                years[k] = years[k - 1] + (atoms[k].month < atoms[k - 1].month)
        return _dates(atoms, years)
    candidates = []
    for anchor in range(max(MINYEAR, ref.year - 6), min(MAXYEAR, ref.year + 6) + 1):
        years = [anchor]
        for k in range(1, len(atoms)):
            years.append(years[-1] + (atoms[k].month < atoms[k - 1].month))
        dates = _dates(atoms, years)
        if dates is not None:
            candidates.append(dates)
    if relative == "past":
        candidates = [c for c in candidates if c[0] < ref]
    elif relative == "next":
        candidates = [c for c in candidates if c[0] >= ref]
    if not candidates:
        return None

    def rank(dates: list[date]) -> tuple:
        wrong_weekdays = sum(a.weekday not in (None, d.weekday()) for a, d in zip(atoms, dates))
        # "dernier": the most recent past one; "prochain": the soonest coming one
        offset = (dates[0] - ref).days
        distance = {"past": -offset, "next": offset}.get(relative, abs(offset))
        return wrong_weekdays, distance, dates[0] < ref

    return min(candidates, key=rank)


def _dates(atoms: list[_Atom], years: list[int]) -> list[date] | None:
    if not all(MINYEAR <= y <= MAXYEAR and _valid(y, a.month, a.day) for a, y in zip(atoms, years)):
        return None  # "31 février 2025": no date rather than a wrong one
    return [date(y, a.month, a.day) for a, y in zip(atoms, years)]


def _month_days(span: tuple, ref: date) -> tuple[date, date] | None:
    """First and last day of "de septembre à juin"; without a year, the season around ``ref``."""
    start_month, start_year, end_month, end_year = span
    wraps = end_month < start_month
    if start_year is None and end_year is not None:
        start_year = end_year - wraps
    if start_year is None:
        seasons = (y for y in range(ref.year - 1, ref.year + 2) if _last_day(y + wraps, end_month) >= ref)
        start_year = next(seasons)
    end_year = end_year if end_year is not None else start_year + wraps
    first, last = date(start_year, start_month, 1), _last_day(end_year, end_month)
    return (first, last) if first <= last else None


def _last_day(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def _span(parser: _Parser, group: _Group, ref: date) -> DateSpan | None:
    days: set[date] = set()
    wrong: tuple[date, ...] = ()
    if group.month_span is not None:
        try:
            bounds = _month_days(group.month_span, ref)
        except (ValueError, OverflowError):
            return None
        days = _every_day(*bounds) if bounds else set()
    else:
        atoms = [atom for item in group.items for atom in item.atoms]
        dates = _fill(atoms, ref, group.relative)
        if dates is None:
            return None
        wrong = tuple(d for a, d in zip(atoms, dates) if a.weekday is not None and a.weekday != d.weekday())
        position = 0
        for item in group.items:
            ends = dates[position:position + len(item.atoms)]
            position += len(item.atoms)
            if item.is_range and not (ends[0] <= ends[1] and (ends[1] - ends[0]).days <= _MAX_RANGE_DAYS):
                return None
            days |= _every_day(ends[0], ends[-1])
    if group.weekday_filter is not None:
        days = _every_day(min(days), max(days)) if days else days
        days = {d for d in days if d.weekday() == group.weekday_filter}
    if not days:
        return None
    slots = [slot for item in group.items for slot in item.times]
    first, last = parser.toks[group.start], parser.toks[group.end - 1]
    span = DateSpan(min(days), max(days), days=tuple(sorted(days)), text=parser.text[first.start:last.end],
                    start_offset=first.start, end_offset=last.end, wrong_weekdays=wrong)
    return _with_times(span, slots)


def _every_day(first: date, last: date) -> set[date]:
    return {first + timedelta(days=n) for n in range((last - first).days + 1)}


def _with_times(span: DateSpan, slots: list) -> DateSpan:
    """First start and last end of the slots; an end before the start on one day is dropped."""
    if not slots:
        return span
    start = slots[0][0]
    ends = [end for _, end in slots if end is not None]
    end = ends[-1] if ends else None
    if end is not None and span.start_date == span.end_date and end <= start:
        end = None
    return replace(span, start_time=start, end_time=end)


def _checked(text: str, ref: date) -> date:
    if not isinstance(text, str):
        raise DateParseError(f"text must be a str, not {type(text).__name__}")
    if isinstance(ref, datetime):
        return ref.date()
    if not isinstance(ref, date):
        raise DateParseError(f"ref must be a date, not {type(ref).__name__}")
    return ref


def _scan(parser: _Parser, ref: date) -> list[DateSpan]:
    spans, i = [], 0
    openings = _openings(parser.toks)
    while i < len(parser.toks):
        group = (parser.recurrence(i) or parser.group(i)) if openings[i] else None
        if group is None:
            i += 1
            continue
        span = _span(parser, group, ref)
        if span is not None:
            spans.append(span)
        i = group.end  # an impossible date is skipped whole, not re-read from its middle
    return spans


_WEEKDAY_WORDS = WEEKDAYS.keys() | _WEEKDAY_PLURALS.keys()


def _openings(toks: list[_Token]) -> list[bool]:
    """Whether a date expression may start at each token, so ``_scan`` tries the grammar only there.

    A group's first atom comes after at most two intro tokens ("l'", "le") and is a number,
    a numeric date or a weekday; a recurrence starts with "tous" or "chaque". Most tokens
    can start nothing: trying the grammar at each was a fifth of the date search on the
    fixtures' lines.
    """
    atoms = [tok.kind in ("num", "date") or (tok.kind == "word" and tok.text in _WEEKDAY_WORDS) for tok in toks]
    atoms += [False, False]
    return [atoms[i] or atoms[i + 1] or atoms[i + 2] or (tok.kind == "word" and tok.text in ("tous", "chaque"))
            for i, tok in enumerate(toks)]


def find_dates(text: str, ref: date) -> list[DateSpan]:
    """Every separate date expression of ``text`` in order; "les 5 mars et 2 avril" is one span."""
    ref = _checked(text, ref)
    return _scan(_Parser(text), ref)


def parse_dates(text: str, ref: date) -> DateSpan | None:
    """The first date expression of a short date text, with a time stated after or before it.

    "13H30 – 15H30, le mardi 13 mars 2018" -> 2018-03-13 13:30-15:30.
    """
    ref = _checked(text, ref)
    parser = _Parser(text)
    spans = _scan(parser, ref)
    if not spans:
        return None
    span = spans[0]
    if span.start_time is not None:
        return span
    limit = spans[1].start_offset if len(spans) > 1 else len(text)
    times = parser.free_times()
    after = [t for t in times if span.end_offset <= t[0] and t[1] <= limit]
    before = [t for t in times if t[1] <= span.start_offset]
    chosen = after[0] if after else (before[-1] if before else None)
    if chosen is None:
        return span
    start, end = min(span.start_offset, chosen[0]), max(span.end_offset, chosen[1])
    merged = replace(span, text=text[start:end], start_offset=start, end_offset=end)
    return _with_times(merged, chosen[2])

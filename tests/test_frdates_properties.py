"""Properties of the French date parser on random and mutated text: no crash, no impossible span."""
from datetime import date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.frdates import DateParseError, DateSpan, find_dates, parse_dates

SEEDS = [
    "jeudi 14 décembre, 9 h 00 – 12 h 00", "du 3 au 5 juin 2025", "les 5 mars et 2 avril",
    "Mardi 18/11/2025 – 13h30 > 16h30", "le 1ᵉʳ octobre 2024", "1 er octobre", "12 févr. 2026",
    "23 sept. 2025", "LE LUNDI 5 DECEMBRE", "JEUDI 19 OCTOBRE 9 h 000 – 16 h 30", "16-10-24",
    "le 21 juin dernier", "23/24 avril 2026", "1er-3 décembre 2025", "13H30 – 15H30, le mardi 13 mars 2018",
    "les 21 et 22 mars puis les 11 et 12 avril", "9h30-12h30 / 13h30-16h30", "tous les lundis de septembre à juin",
    "du 30 décembre 2024 au 2 janvier 2025", "2025-03-14", "31 février 2025", "de 9h à midi",
]
# Pieces a mutation may insert: digits, separators, date words and the odd spaces of real pages.
PIECES = ["0", "1", "9", "29", "31", "99", "2025", "/", "-", ".", ":", "h", " h ", "er", "au", "du", "et",
          "puis", "février", "fev.", "mar.", "lundi", "dernier", "tous les", "\u202f", "\u00a0", "ᵉʳ", "\n"]

dates_near_now = st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31))
any_ref = st.one_of(dates_near_now, st.dates())


@st.composite
def mutated(draw) -> str:
    """A seed date text with a few pieces inserted, deleted or swapped at random places."""
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "swap"]))
        if action == "insert":
            text = text[:at] + draw(st.sampled_from(PIECES)) + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 3)):]
        else:
            text = text[:at] + text[at:][::-1][:2] + text[at + 2:]
    return text


def check(span: DateSpan, text: str) -> None:
    assert span.start_date <= span.end_date
    assert span.days and span.days == tuple(sorted(span.days))
    assert span.days[0] == span.start_date and span.days[-1] == span.end_date
    assert text[span.start_offset:span.end_offset] == span.text
    if span.start_time and span.end_time and span.start_date == span.end_date:
        start = datetime.combine(span.start_date, span.start_time)
        assert start <= datetime.combine(span.end_date, span.end_time)
    start, end, all_day = span.to_iso()
    assert all_day == (span.start_time is None)
    assert end is None or end[:10] >= start[:10]
    assert len(span.occurrences()) == len(span.days)


def parse_everything(text: str, ref: date) -> None:
    try:
        spans = find_dates(text, ref)
        best = parse_dates(text, ref)
    except DateParseError:
        return
    for span in spans + ([best] if best else []):
        check(span, text)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=80), ref=any_ref)
def test_random_text_never_raises_and_spans_are_valid(text, ref):
    parse_everything(text, ref)


@settings(max_examples=200, deadline=None)
@given(text=mutated(), ref=dates_near_now)
def test_mutated_dates_never_raise_and_spans_are_valid(text, ref):
    parse_everything(text, ref)


@settings(max_examples=100, deadline=None)
@given(text=st.lists(st.sampled_from(PIECES + [" ", " ", ","]), max_size=25).map("".join), ref=any_ref)
def test_date_like_soup_never_raises_and_spans_are_valid(text, ref):
    parse_everything(text, ref)


@settings(max_examples=100, deadline=None)
@given(day=st.integers(1, 31), month=st.integers(1, 12), year=st.integers(2000, 2099), ref=dates_near_now)
def test_numeric_dates_are_right_or_absent(day, month, year, ref):
    """Day first; an impossible day gives no date, never a neighbouring one."""
    span = parse_dates(f"{day:02d}/{month:02d}/{year}", ref)
    try:
        expected = date(year, month, day)
    except ValueError:
        expected = None
    assert (span.start_date if span else None) == expected

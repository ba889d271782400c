"""French date expressions: realistic cases, the shared development set, and the DateSpan API."""
import json
from datetime import date, datetime, time

import pytest

from crawler.frdates import DateParseError, DateSpan, find_dates, fold, parse_dates

REF = date(2025, 1, 10)

# (text, ref, start_date, end_date, start_time, end_time)
CASES = [
    # abbreviated months, with and without the full stop
    ("15 janv. 2026", REF, "2026-01-15", "2026-01-15", None, None),
    ("3 fév 2025", REF, "2025-02-03", "2025-02-03", None, None),
    ("12 avr. 2025", REF, "2025-04-12", "2025-04-12", None, None),
    ("4 juil. 2025, 10h", REF, "2025-07-04", "2025-07-04", "10:00", None),
    ("7 oct. 2025", REF, "2025-10-07", "2025-10-07", None, None),
    ("18 nov. 2025", REF, "2025-11-18", "2025-11-18", None, None),
    ("2 déc. 2025 de 14h à 17h", REF, "2025-12-02", "2025-12-02", "14:00", "17:00"),
    ("14 mar. 2025", REF, "2025-03-14", "2025-03-14", None, None),
    # weekday abbreviations decide the year when none is given
    ("Lun. 3 mars", REF, "2025-03-03", "2025-03-03", None, None),
    ("mar. 4 mars 2025", REF, "2025-03-04", "2025-03-04", None, None),
    ("Ven. 5 juin", date(2026, 1, 5), "2026-06-05", "2026-06-05", None, None),
    ("jeudi 21 septembre", REF, "2023-09-21", "2023-09-21", None, None),
    # explicit year beats a wrong weekday (ABF Île-de-France: 4 Nov 2024 was a Monday)
    ("jeudi 4 novembre 2024", REF, "2024-11-04", "2024-11-04", None, None),
    # times
    ("le 3 mars 2025 à 14 h", REF, "2025-03-03", "2025-03-03", "14:00", None),
    ("3 mars 2025 de 9h à 12h et de 14h à 17h", REF, "2025-03-03", "2025-03-03", "09:00", "17:00"),
    ("3 mars 2025 14h00-17h00", REF, "2025-03-03", "2025-03-03", "14:00", "17:00"),
    ("3 mars 2025, 9:30", REF, "2025-03-03", "2025-03-03", "09:30", None),
    ("3 mars 2025 de 9h à midi", REF, "2025-03-03", "2025-03-03", "09:00", "12:00"),
    ("le 3 juin 2025 entre 9h et 12h", REF, "2025-06-03", "2025-06-03", "09:00", "12:00"),
    ("le 3 juin 2025 à partir de 14h", REF, "2025-06-03", "2025-06-03", "14:00", None),
    ("Samedi 14 juin 2025 | 10h - 12h", REF, "2025-06-14", "2025-06-14", "10:00", "12:00"),
    ("MERCREDI 2 AVRIL 2025 9H30-12H30", REF, "2025-04-02", "2025-04-02", "09:30", "12:30"),
    ("Mardi 18/11/2025 – 13h30 > 16h30", REF, "2025-11-18", "2025-11-18", "13:30", "16:30"),
    ("De 9h30 à 12h30, le 5 mars 2025", REF, "2025-03-05", "2025-03-05", "09:30", "12:30"),
    ("Jeudi 5 juin 2025\n9h30 - 17h", REF, "2025-06-05", "2025-06-05", "09:30", "17:00"),
    ("3\u202fmars\u00a02025, 9\u202fh\u202f30", REF, "2025-03-03", "2025-03-03", "09:30", None),
    ("14 mars 2025 - 9h00/12h00", REF, "2025-03-14", "2025-03-14", "09:00", "12:00"),
    ("Lundi 18 novembre 2024 – 9h30 / 16h30", REF, "2024-11-18", "2024-11-18", "09:30", "16:30"),
    ("le 3 juin 2025 de 9 à 12 h", REF, "2025-06-03", "2025-06-03", "09:00", "12:00"),
    ("Le 14 décembre 2023 à 9 heures 30", REF, "2023-12-14", "2023-12-14", "09:30", None),
    ("Date : jeudi 5 juin 2025 / Horaires : 9h30-16h30", REF, "2025-06-05", "2025-06-05", "09:30", "16:30"),
    ("9h30 à 12h – 13h30 à 16h30, le 3 mars 2025", REF, "2025-03-03", "2025-03-03", "09:30", "16:30"),
    # times that are no start time: a length, a meal, an afternoon
    ("Le 5 juin 2025. Atelier d'1 h 30.", REF, "2025-06-05", "2025-06-05", None, None),
    ("Le 5 juin 2025. Durée : 6 h", REF, "2025-06-05", "2025-06-05", None, None),
    ("Jeudi 22 mai 2025, repas de midi tiré du sac", REF, "2025-05-22", "2025-05-22", None, None),
    ("le 10 décembre 2024 après-midi", REF, "2024-12-10", "2024-12-10", None, None),
    # an end before the start on one day is a typo: the end is dropped, not swapped
    ("Le 12 mars 2025 de 14h à 9h", REF, "2025-03-12", "2025-03-12", "14:00", None),
    # ranges and lists
    ("du 30 décembre 2024 au 2 janvier 2025", REF, "2024-12-30", "2025-01-02", None, None),
    ("du 30 décembre au 2 janvier", REF, "2024-12-30", "2025-01-02", None, None),
    ("du lundi 9 mars au vendredi 13 mars 2026", REF, "2026-03-09", "2026-03-13", None, None),
    ("du 02/06 au 04/06/2025", REF, "2025-06-02", "2025-06-04", None, None),
    ("les 17, 24 et 31 mai ainsi que le 6 juin", REF, "2025-05-17", "2025-06-06", None, None),
    ("lundi 3 et mardi 4 mars 2025 de 9h30 à 16h30", REF, "2025-03-03", "2025-03-04", "09:30", "16:30"),
    ("le 3 mars 2025 et le 5 avril", REF, "2025-03-03", "2025-04-05", None, None),
    ("du 6 au 8 juin 2019", REF, "2019-06-06", "2019-06-08", None, None),
    ("du 3 mars 2025 9h au 5 mars 2025 17h", REF, "2025-03-03", "2025-03-05", "09:00", "17:00"),
    ("10-11/12/2024", REF, "2024-12-10", "2024-12-11", None, None),
    ("Les mardis 4, 11 et 18 mars 2025", REF, "2025-03-04", "2025-03-18", None, None),
    ("Les 3 et 4 octobre prochains", REF, "2025-10-03", "2025-10-04", None, None),
    ("3 jours (18 h) : 5, 6 et 7 mars 2025", REF, "2025-03-05", "2025-03-07", None, None),
    ("9h30/12h30 - 13h30/16h30, le 3 mars 2025", REF, "2025-03-03", "2025-03-03", "09:30", "16:30"),
    ("6 mars 2025 : 9h30-12h30 | 13h30-16h30", REF, "2025-03-06", "2025-03-06", "09:30", "16:30"),
    ("24/03 - 28/03/2025", REF, "2025-03-24", "2025-03-28", None, None),
    ("du 3 au 7 mars et du 14 au 18 avril 2025", REF, "2025-03-03", "2025-04-18", None, None),
    # numeric and ISO
    ("2025-03-14", REF, "2025-03-14", "2025-03-14", None, None),
    ("2025-03-14T09:30:00+01:00", REF, "2025-03-14", "2025-03-14", "09:30", None),
    ("16.10.24", REF, "2024-10-16", "2024-10-16", None, None),
    ("le 17/03", REF, "2025-03-17", "2025-03-17", None, None),
    ("14 janv. 26", REF, "2026-01-14", "2026-01-14", None, None),
    ("le 5 juin 25 inscrits", REF, "2025-06-05", "2025-06-05", None, None),
    # relative words
    ("le 19 novembre dernier", REF, "2024-11-19", "2024-11-19", None, None),
    ("le 5 janvier prochain", REF, "2026-01-05", "2026-01-05", None, None),
    ("29 février", REF, "2024-02-29", "2024-02-29", None, None),
    # nothing invented
    ("Date à venir", REF, None, None, None, None),
    ("Dates communiquées prochainement", REF, None, None, None, None),
    ("Reporté à une date ultérieure", REF, None, None, None, None),
    ("31 février 2025", REF, None, None, None, None),
    ("30/02/2025", REF, None, None, None, None),
    ("29 février 2025", REF, None, None, None, None),
    ("du 5 au 3 juin 2025", REF, None, None, None, None),
    ("mai-juin 2010", REF, None, None, None, None),
    ("17/03", REF, None, None, None, None),
    ("9/10 des stagiaires recommandent la formation", REF, None, None, None, None),
    ("Tél. 04.73.12.34.56", REF, None, None, None, None),
    ("Tél. 04-73-12-34-56", REF, None, None, None, None),
    ("Rendez-vous le 5 à 14h", REF, None, None, None, None),
    ("En 2024, 31 stagiaires", REF, None, None, None, None),
]


def _fields(span: DateSpan | None) -> tuple:
    if span is None:
        return None, None, None, None
    return tuple(span.as_dict().values())


@pytest.mark.parametrize("text, ref, start_date, end_date, start_time, end_time", CASES)
def test_parse_dates(text, ref, start_date, end_date, start_time, end_time):
    assert _fields(parse_dates(text, ref)) == (start_date, end_date, start_time, end_time)


def test_dev_set_accuracy(shared):
    """At least 97% of shared/dates/dev.jsonl with all four fields right."""
    lines = (shared / "dates" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    failures = []
    for line in lines:
        case = json.loads(line)
        got = _fields(parse_dates(case["text"], date.fromisoformat(case["ref"])))
        expected = (case["start_date"], case["end_date"], case["start_time"], case["end_time"])
        if got != expected:
            failures.append(f"{case['id']} {case['text']!r}: got {got}, expected {expected}")
    accuracy = 1 - len(failures) / len(lines)
    assert accuracy >= 0.97, f"{accuracy:.1%}\n" + "\n".join(failures)


def test_days_of_a_range_and_of_a_multi_part_session():
    assert parse_dates("du 3 au 5 juin 2025", REF).days == (date(2025, 6, 3), date(2025, 6, 4), date(2025, 6, 5))
    haute_loire = parse_dates("les 21 et 22 mars puis les 11 et 12 avril", date(2024, 1, 20))
    assert haute_loire.days == (date(2024, 3, 21), date(2024, 3, 22), date(2024, 4, 11), date(2024, 4, 12))


def test_recurrence_in_words_gives_every_weekday_of_the_season():
    """Loir-et-Cher's ABF course: "tous les lundis, de septembre à juin"."""
    span = parse_dates("Cours tous les lundis, de septembre à juin, de 14h à 16h", date(2025, 6, 1))
    assert span.days[0] == date(2024, 9, 2) and span.days[-1] == date(2025, 6, 30)
    assert all(day.weekday() == 0 for day in span.days) and len(span.days) == 44
    assert (span.start_time, span.end_time) == (time(14), time(16))
    autumn = parse_dates("tous les lundis de septembre à juin", date(2025, 10, 1))
    assert autumn.start_date == date(2025, 9, 1)


def test_recurrence_with_explicit_years():
    span = parse_dates("chaque mardi d'octobre 2025 à juin 2026", REF)
    assert (span.start_date, span.end_date) == (date(2025, 10, 7), date(2026, 6, 30))
    assert {day.weekday() for day in span.days} == {1}


def test_recurrence_over_a_date_range():
    span = parse_dates("tous les mardis du 3 mars au 28 avril 2026", REF)
    assert span.days == tuple(date(2026, m, d) for m, d in [(3, 3), (3, 10), (3, 17), (3, 24), (3, 31),
                                                             (4, 7), (4, 14), (4, 21), (4, 28)])


def test_find_dates_separates_a_post_stamp_from_the_event_date():
    """Doubs: post "[jeudi 26 septembre 2019 15:47]", event "Ce 19 septembre"."""
    text = "[jeudi 26 septembre 2019 15:47] Ce 19 septembre, journée d'étude à Besançon."
    stamp, event = find_dates(text, date(2019, 9, 26))
    assert stamp.start_date == date(2019, 9, 26) and stamp.start_time == time(15, 47)
    assert event.start_date == date(2019, 9, 19) and event.text == "Ce 19 septembre"
    assert text[event.start_offset:event.end_offset] == event.text


def test_find_dates_keeps_a_joined_expression_as_one_span():
    text = "Deux journées d'étude : les 5 mars et 2 avril 2024. Bilan publié le 3 mai 2024."
    spans = find_dates(text, date(2024, 1, 10))
    assert [s.text for s in spans] == ["les 5 mars et 2 avril 2024", "le 3 mai 2024"]
    assert spans[0].days == (date(2024, 3, 5), date(2024, 4, 2))


def test_sentence_full_stop_is_not_taken_as_an_abbreviation():
    (span,) = find_dates("La formation aura lieu du 3 au 5 juin. Inscription en ligne.", REF)
    assert span.text == "du 3 au 5 juin"


def test_a_weekday_contradicting_a_stated_date_keeps_the_date_and_says_so():
    span = parse_dates("mardi 14 mars 2027, 9 h", REF)  # 14 March 2027 is a Sunday
    assert (span.start_date, span.wrong_weekdays) == (date(2027, 3, 14), (date(2027, 3, 14),))
    assert span.weekday_note() == ("jour de la semaine incohérent dans « mardi 14 mars 2027, 9 h » : "
                                   "le 14/03/2027 est un dimanche ; date écrite retenue")
    assert parse_dates("dimanche 14 mars 2027", REF).weekday_note() is None
    # Without a year, the weekday chooses the year: nothing contradicts.
    assert parse_dates("mardi 14 mars", REF).weekday_note() is None
    # Only the day whose weekday is wrong is named.
    assert parse_dates("du lundi 3 au mercredi 6 mai 2027", REF).wrong_weekdays == (date(2027, 5, 6),)


def test_fold_keeps_offsets():
    text = "JEUDI 1ᵉʳ OCTOBRE, 9\u202fh – 12\u00a0h"
    assert len(fold(text)) == len(text)
    assert fold(text) == "jeudi 1er octobre, 9 h - 12 h"


def test_to_iso_all_day_and_timed_with_summer_and_winter_offsets():
    assert parse_dates("du 3 au 5 juin 2025", REF).to_iso() == ("2025-06-03", "2025-06-05", True)
    winter = parse_dates("3 mars 2025, 9h30-16h30", REF)
    assert winter.to_iso() == ("2025-03-03T09:30:00+01:00", "2025-03-03T16:30:00+01:00", False)
    summer = parse_dates("3 juillet 2025 à 9h30", REF)
    assert summer.to_iso() == ("2025-07-03T09:30:00+02:00", None, False)
    assert summer.to_iso("America/Montreal")[0] == "2025-07-03T09:30:00-04:00"


def test_occurrences_repeat_the_times_on_each_day():
    span = parse_dates("les 21 et 22 mars 2024, 9h-12h", REF)
    assert span.occurrences() == [
        {"start": "2024-03-21T09:00:00+01:00", "end": "2024-03-21T12:00:00+01:00"},
        {"start": "2024-03-22T09:00:00+01:00", "end": "2024-03-22T12:00:00+01:00"},
    ]
    assert parse_dates("les 21 et 22 mars 2024", REF).occurrences()[1] == {"start": "2024-03-22", "end": "2024-03-22"}


def test_datetime_ref_is_accepted():
    assert parse_dates("le 5 mars", datetime(2025, 1, 10, 8, 0)).start_date == date(2025, 3, 5)


@pytest.mark.parametrize("text, ref", [(None, REF), (b"5 mars", REF), ("5 mars", "2025-01-10"), ("5 mars", None)])
def test_wrong_arguments_raise_the_documented_error(text, ref):
    with pytest.raises(DateParseError):
        parse_dates(text, ref)


def test_unknown_time_zone_raises_the_documented_error():
    with pytest.raises(DateParseError):
        parse_dates("5 mars 2025 à 9h", REF).to_iso("Europe/Atlantide")

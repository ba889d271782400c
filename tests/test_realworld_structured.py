"""Structured extractors on the real files of ../shared/realworld (see SOURCES.md there).

One case per file: the extractor, a ``ref`` date near the file's dates (the ICS window is
30 days back to 18 months ahead of it), the session count, and sessions that must be found
(each a subset of a session's fields). Where SOURCES.md names a trap, a comment says which
behaviour is pinned and why.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import pytest

from crawler.extractors import detect, ics, jsonld, openagenda, tribe


@dataclass
class Case:
    path: str
    extract: object
    ref: date
    count: int
    expected: list[dict] = field(default_factory=list)
    problems: int = 0


PAGE = "https://example.org/source"
CASES = [
    # --- ics/ ---
    # X-WR-TIMEZONE America/Vancouver and no VTIMEZONE: it is the calendar's home zone, so
    # 20220704T230000Z reads 16:00-07:00; TENTATIVE stays scheduled.
    Case("ics/apple_macos_status_tentative.ics", ics, date(2022, 7, 4), 4, [
        {"title": "Tentative", "start": "2022-07-04T16:00:00-07:00", "status": "scheduled"},
        {"title": "Confirmed", "start": "2022-07-05T09:00:00-07:00", "end": "2022-07-05T10:00:00-07:00"},
        {"title": "Cancelled", "start": "2022-07-06T13:00:00-07:00", "status": "cancelled"},
        {"title": "No Status", "start": "2022-07-07T09:00:00-07:00", "status": "scheduled"},
    ]),
    # 34 holidays over 2019-2020; the window from 2019-01-01 ends 2020-07-01, keeping 27.
    # DTEND = DTSTART (zero length) must not make the end fall before the start.
    Case("ics/calendarlabs_germany_holidays_allday.ics", ics, date(2019, 1, 1), 27, [
        {"title": "New Year's Day", "start": "2019-01-01", "end": "2019-01-01", "all_day": True, "place": "Germany"},
        {"title": "Corpus Christi", "start": "2020-06-11"},
    ]),
    # DURATION instead of DTEND, multi-value UTC EXDATE folded over lines.
    Case("ics/davx5_exdate_issue_20.ics", ics, date(2019, 10, 15), 7, [
        {"title": "Test", "start": f"{day}T16:15:00+01:00", "end": f"{day}T17:45:00+01:00", "place": "Example"}
        for day in ("2019-10-29", "2019-11-12", "2019-12-10", "2020-01-07", "2020-01-14", "2020-01-21", "2020-01-28")
    ]),
    # No DTEND: end stays None; the relative URL is made absolute.
    Case("ics/discourse_icalendar-ruby_no_dtend.ics", ics, date(2019, 1, 17), 4, [
        {"title": "2019-01-17 openLab", "start": "2019-01-17T18:00:25+01:00", "end": None,
         "url": "https://example.org/c/machbar/calendar"},
        {"title": "Potsdamer Tag der Wissenschaften 11.5.2019", "start": "2019-05-11T13:00:21+02:00"},
    ]),
    # Custom zone "(UTC+07:00) Bangkok\, Hanoi\, Jakarta" (escaped in VTIMEZONE, quoted in the
    # event) is resolved; no home zone declared, so 09:00+07:00 (02:00Z) is written in Paris time.
    Case("ics/exchange2010_escaped_custom_tzid.ics", ics, date(2019, 4, 30), 1, [
        {"title": "Test event", "start": "2019-04-30T04:00:00+02:00", "end": "2019-04-30T07:00:00+02:00"},
    ]),
    # Only "W. Europe Standard Time" is defined but the event says TZID=Europe/Berlin; floating
    # UNTIL, UTC EXDATE: exactly 2 occurrences.
    Case("ics/exchange2010_w-europe-tz_issue_27_t1.ics", ics, date(2020, 4, 26), 2, [
        {"title": "Reoccur", "start": "2020-04-26T14:00:00+02:00", "end": "2020-04-26T14:30:00+02:00",
         "uid": "3bbe38c205956551730fc9233525fe268296ec02#2020-04-26T14:00:00+02:00"},
        {"title": "Reoccur", "start": "2020-04-28T14:00:00+02:00"},
    ]),
    # 677 VEVENTs with 186 RECURRENCE-IDs: the count is pinned from recurring-ical-events 3.8.2;
    # the one VEVENT without SUMMARY is a problem, not a session (test below checks unique uids).
    Case("ics/google_europe-paris_anonymized_issue_173.ics", ics, date(2024, 1, 9), 860, [
        {"uid": "3dg38kvvnppsu7qamrrpf3g0oe@google.com", "start": "2024-01-09T14:00:00+01:00",
         "end": "2024-01-09T16:00:00+01:00"},
    ], problems=1),
    # The last VEVENT (Open Lab, 2017-06-29, not recurring) is before the window: left out.
    Case("ics/google_machbar_16_feb_2019.ics", ics, date(2019, 2, 16), 498, [
        {"title": '"Bioökonomie-Tag"', "start": "2019-02-28T20:00:00+01:00", "end": "2019-02-28T21:00:00+01:00"},
    ]),
    # The moved occurrence (first in the file, no DTEND) replaces 12-31; its uid keeps the
    # recurrence id so the session keeps its identity when the date moves.
    Case("ics/google_moved_occurrence_issue_62.ics", ics, date(2021, 11, 20), 18, [
        {"title": "Karaoke", "start": "2021-11-26T21:30:00+01:00"},
        {"title": "Karaoke", "start": "2021-12-17T21:30:00+01:00",
         "uid": "38m812jicsrer5gorh3mlp7qhc@google.com#2021-12-31T21:30:00+01:00"},
        {"title": "Karaoke", "start": "2022-01-28T21:30:00+01:00"},
    ]),
    # Weekday series crossing the 2016-10-30 DST change; multi-line LOCATION joined.
    Case("ics/google_x-apple-location_zurich.ics", ics, date(2016, 10, 28), 391, [
        {"title": "Daily Sync", "start": "2016-10-28T14:00:00+02:00", "place": "Roadstar 16, 12764 Happyville, Denmark"},
        {"title": "Daily Sync", "start": "2016-10-31T14:00:00+01:00"},
        {"title": "Daily Sync", "start": "2016-11-04T14:00:00+01:00"},
    ]),
    # UTC times with X-WR-TIMEZONE America/New_York: shown in that zone, as the summaries say.
    Case("ics/google_x-wr-timezone_issue_59.ics", ics, date(2021, 12, 22), 2, [
        {"title": "Google Calendar says this is noon to 1PM on 12/22/2021",
         "start": "2021-12-22T12:00:00-05:00", "end": "2021-12-22T13:00:00-05:00"},
        {"title": "Google says this is 9PM to 10PM on 12/22/2021", "start": "2021-12-22T21:00:00-05:00"},
    ]),
    # 18 occurrences start in 2018-06-01..2019-01-01 (as recurring-ical-events' between); the
    # all-day DTEND 20180610 is exclusive, so the closure is one day.
    Case("ics/icalcreator_fablab_cottbus.ics", ics, date(2018, 6, 1), 31, [
        {"title": "Lab geschlossen: Wir sind auf dem Karlstraßenfest", "start": "2018-06-09", "end": "2018-06-09",
         "all_day": True},
        {"title": "Repair Café", "start": "2018-07-07T14:00:00+02:00", "end": "2018-07-07T17:00:00+02:00"},
        {"title": "Audiogesteuerte Lichter", "start": "2018-10-21T12:00:00+02:00"},
    ]),
    # "DTSTART;VALUE=DATE:Next Year" (Foobar) is one problem; the 8 others are read. Dyncon has a
    # timed start and a date end: its end is read as midnight starting 14 March.
    Case("ics/lanyrd_multi_event.ics", ics, date(2011, 3, 12), 8, [
        {"title": "Dyncon 2011", "start": "2011-03-12T21:00:00+01:00", "place": "Stockholm, Sweden"},
        {"title": "[Async]: Everything Express", "start": "2011-03-24", "all_day": True},
    ], problems=1),
    Case("ics/meetup_phoenix_folded.ics", ics, date(2011, 11, 9), 1, [
        {"title": "Phoenix Drupal User Group Monthly Meetup", "start": "2011-11-10T03:00:00+01:00",
         "place": "Open Source Project Tempe (1415 E University Dr. #103A, Tempe, AZ 85281)",
         "url": "http://www.meetup.com/Phoenix-Drupal-User-Group/events/33627272/"},
    ]),
    # "BYDAY=MO, TU, WE, TH, FR" (spaces) makes recurring-ical-events fail; we strip the spaces:
    # weekdays from 3 to 22 July 2015 = 14 occurrences, no UID so no uid.
    Case("ics/ms-cdo_custom-tzid_issue_165.ics", ics, date(2015, 7, 3), 14, [
        {"title": "Sprint 25 Daily Standup", "start": "2015-07-03T10:00:00+02:00", "end": "2015-07-03T10:30:00+02:00",
         "uid": None},
        {"title": "Sprint 25 Daily Standup", "start": "2015-07-22T10:00:00+02:00"},
    ]),
    # UTC only, no zone declared: written in Paris time (17:30 Detroit = 21:30Z = 23:30 Paris).
    Case("ics/schoolwires_det_board_of_education.ics", ics, date(2019, 4, 16), 33, [
        {"title": "DPSCD Regular Board Meeting (Open)", "start": "2019-04-16T23:30:00+02:00", "uid": "7856",
         "place": "Renaissance High School, Detroit, MI 48235, USA"},
        {"title": "Curriculum/Academics Sub-Committee Meeting (Open)", "start": "2020-04-27T23:30:00+02:00"},
    ]),
    # icalendar cannot read the VTIMEZONE with two TZIDs: it is dropped (one problem) and the
    # floating times are read as Paris wall clock.
    Case("ics/tec-ecp_multiple_tzids_in_vtimezone.ics", ics, date(2024, 6, 1), 1, [
        {"title": "Possible Snow Makeup Day", "start": "2024-06-27T00:00:00+02:00", "end": "2024-06-27T23:00:00+02:00",
         "uid": "1891-1709856000-1709942399@www.washougal.k12.wa.us"},
    ], problems=1),
    # --- jsonld-html/ --- offsets like "-0400" (no colon) are accepted and converted to Paris.
    Case("jsonld-html/songkick_elysian-fields_owl-music-parlor_2015-10-31.html", jsonld, date(2015, 10, 1), 1, [
        {"title": "Elysian Fields", "start": "2015-11-01T00:30:00+01:00", "end": None,
         "place": "The Owl Music Parlor, 497 Rogers Ave 11225 Brooklyn"},
    ]),
    # The MusicGroup block holds no event; the date-only festival entry and the timed concert
    # the same day at the same venue are two sessions.
    Case("jsonld-html/songkick_years-and-years_tour-dates-2015.html", jsonld, date(2015, 10, 1), 13, [
        {"title": "Years & Years", "start": "2015-10-26T20:00:00+01:00"},
        {"title": "Years & Years", "start": "2015-10-21T20:00:00+02:00"},
        {"start": "2015-10-31", "end": "2015-10-31", "all_day": True},
        {"start": "2015-10-31T19:00:00+01:00"},
        {"start": "2015-11-16T19:30:00+01:00", "place": "Casino De Paris, 16, Rue De Clichy 75009 Paris"},
    ]),
    # TEC page: detect picks the TEC reader, which uses the JSON-LD. Its "-04:00" offsets are
    # wrong for November in Detroit (-05:00); the stated instant is trusted (15:00Z = 16:00 Paris)
    # because the offset is all the JSON-LD gives.
    Case("jsonld-html/tec-v2_month-view_glwater.html", detect, date(2025, 11, 1), 5, [
        {"title": "Operations and Resources", "start": "2025-11-12T16:00:00+01:00",
         "end": "2025-11-12T18:00:00+01:00", "place": "Zoom Telephonic"},
        {"title": "Legal Committee", "start": "2025-11-20T17:00:00+01:00"},
        {"title": "Board of Directors Workshop", "start": "2025-11-20T18:00:00+01:00"},
        {"title": "Audit Committee", "start": "2025-11-21T13:00:00+01:00"},
        {"title": "Special Audit Committee Meeting", "start": "2025-12-03T13:00:00+01:00", "place": None},
    ]),
    Case("jsonld-html/songkick_elysianfields_artist-page.html", jsonld, date(2016, 10, 1), 4, [
        {"title": "Elysian Fields", "start": "2017-06-11T01:30:00+02:00"},
        {"start": "2017-04-27T05:00:00+02:00"},
        {"start": "2016-10-29T21:00:00+02:00"},
        {"start": "2016-10-27T20:30:00+02:00", "place": "Le Rocher De Palmer, 1 rue Aristide Briand 33152 Cenon"},
    ]),
    Case("jsonld-html/songkick_tovestyrke_artist-page.html", jsonld, date(2017, 6, 1), 1, [
        {"title": "Tove Styrke", "start": "2017-06-12T21:00:00+02:00",
         "place": "Hoxton Square Bar & Kitchen, 2-4 Hoxton Square N1 6NU London"},
    ]),
    # --- microdata-html/ --- times without a zone are read as Paris time.
    # The Place has no name, only an address: the town is the place.
    Case("microdata-html/schemaorg_Event.001.html", jsonld, date(2016, 4, 1), 1, [
        {"title": "Miami Heat at Philadelphia 76ers - Game 3 (Home Game 1)", "start": "2016-04-21T20:00:00+02:00",
         "place": "Philadelphia"},
    ]),
    # Events nested in a MusicGroup's "event" property are found.
    Case("microdata-html/schemaorg_Event.002_MusicGroup-nested-events.html", jsonld, date(2011, 5, 1), 2, [
        {"title": "FedExForum", "start": "2011-05-20", "all_day": True, "place": "Memphis, TN, US"},
        {"title": "Mid America Center", "start": "2011-05-23", "place": "Council Bluffs, IA, US"},
    ]),
    # extruct returns the content attribute ("2013-09-14T21:30"), not the visible "Sat Sep 14".
    Case("microdata-html/schemaorg_Event.003.html", jsonld, date(2013, 9, 1), 1, [
        {"title": "Typhoon with Radiation City", "start": "2013-09-14T21:30:00+02:00"},
    ]),
    Case("microdata-html/schemaorg_Event.008_TheaterEvent.html", jsonld, date(2014, 10, 1), 1, [
        {"title": "Julius Caesar at Shakespeare's Globe", "start": "2014-10-01T19:30:00+02:00"},
    ]),
    # --- tribe-json/ --- timezone "UTC" counts as undeclared: written in Paris time.
    # "venue": [] and "organizer": [] are empty lists, not objects.
    Case("tribe-json/tec_rest-v1_events_archive_additional-fields.json", tribe, date(2084, 7, 1), 3, [
        {"title": f"Test Event {n}", "start": "2084-07-14T14:00:00+02:00", "end": "2084-07-14T16:00:00+02:00",
         "place": None, "organiser": None}
        for n in (1, 2, 3)
    ]),
    # Password-protected events 3 and 5 have all_day null: read as timed events.
    Case("tribe-json/tec_rest-v1_events_archive_password-protected.json", tribe, date(2024, 7, 1), 5, [
        {"title": f"Test Event {n}", "start": "2024-07-14T14:00:00+02:00", "all_day": False} for n in (1, 2, 3, 4, 5)
    ]),
    # --- openagenda-json/ ---
    # List mode: no timings, the span is firstTiming.begin .. lastTiming.end.
    Case("openagenda-json/erwane_v2_agenda-events_list.json", openagenda, date(2025, 1, 1), 1, [
        {"uid": "9906334", "title": "Mon évènement", "start": "2025-01-06T11:00:00+01:00",
         "end": "2025-01-06T18:00:00+01:00", "place": "My location, 122 rue de Charonne, 75011 Paris, France"},
    ]),
    Case("openagenda-json/erwane_v2_event_single.json", openagenda, date(2025, 1, 1), 1, [
        {"uid": "9906334", "occurrences": [
            {"start": "2025-01-06T11:00:00+01:00", "end": "2025-01-06T15:00:00+01:00"},
            {"start": "2025-01-06T15:00:00+01:00", "end": "2025-01-06T18:00:00+01:00"},
        ]},
    ]),
    # Legacy export: UTC "start"/"end" timings and top-level locationName/city.
    Case("openagenda-json/oa_legacy-export_event_musee-bressuire.json", openagenda, date(2018, 5, 1), 1, [
        {"uid": "65615282", "title": "Light-painting autour des collections", "start": "2018-05-19T15:00:00+02:00",
         "end": "2018-05-19T23:00:00+02:00", "place": "Musée de Bressuire, 2 place de l'hôtel de ville, 79300, Bressuire",
         "date_text": "Samedi 19 mai, 15h00"},
    ]),
    # UTC timings with milliseconds converted to Paris; the empty third draft is one problem.
    Case("openagenda-json/oa_v2_drafts-response_utc-timings.json", openagenda, date(2022, 9, 1), 2, [
        {"uid": "24192932", "title": "Démonstration : stand de présentation des trésors de la bibliothèque",
         "start": "2022-09-17T11:30:00+02:00", "end": "2022-09-18T18:00:00+02:00"},
    ], problems=1),
    Case("openagenda-json/oa_v2_event_ateliers-urbraye.json", openagenda, date(2025, 4, 1), 1, [
        {"uid": "17528115", "title": "Ateliers Urb'Braye", "start": "2025-04-10T10:00:00+02:00",
         "end": "2025-04-15T16:00:00+02:00"},
    ]),
    Case("openagenda-json/oa_v2_event_begles_recurring.json", openagenda, date(2025, 1, 1), 1, [
        {"uid": "51028839", "title": "Permanences Addictions du CEID à l'Info Jeunes de Bègles",
         "start": "2025-01-08T18:00:00+01:00", "end": "2025-02-26T18:00:00+01:00",
         "date_text": "8 janvier - 26 février, certains mercredis"},
    ]),
    Case("openagenda-json/oa_v2_event_bibliotheque-meriadeck.json", openagenda, date(2025, 4, 1), 1, [
        {"uid": "25972426", "title": "[Hors les murs] Suzanne Martin à la Bibliothèque Mériadeck.",
         "start": "2025-04-25T10:00:00+02:00", "end": "2025-06-02T19:00:00+02:00",
         "place": "Bibliothèque Mériadeck, 85 cours du Maréchal Juin, Bordeaux"},
    ]),
    # location null and attendanceMode 2: the place says "En ligne".
    Case("openagenda-json/oa_v2_event_online_no-location.json", openagenda, date(2025, 4, 1), 1, [
        {"uid": "44333030", "start": "2025-04-07T00:00:00+02:00", "end": "2026-03-31T23:59:00+02:00",
         "place": "En ligne"},
    ]),
    Case("openagenda-json/oa_v2_event_piscine-roubaix_dst.json", openagenda, date(2025, 3, 1), 1, [
        {"uid": "53640353", "title": "Expositions du printemps 2025 à La Piscine",
         "start": "2025-03-01T13:00:00+01:00", "end": "2025-06-01T18:00:00+02:00"},
    ]),
    Case("openagenda-json/oa_v2_event_quinzaine_source-of-pdf.json", openagenda, date(2025, 5, 1), 1, [
        {"uid": "59395095", "title": "Le Commerce Equitable en magasin bio avec BIOPARTENAIRE®",
         "start": "2025-05-10T09:00:00+02:00", "end": "2025-05-24T19:00:00+02:00"},
    ]),
    # Address "15 quai François Mitterrand, 14000 Caen" and no city key.
    Case("openagenda-json/oa_v2_events-response_bibliotheque-tocqueville.json", openagenda, date(2022, 9, 1), 6, [
        {"uid": "80533203", "title": "Lecture : Au moyen d’une magnifique prose poétique",
         "start": "2022-09-16T18:30:00+02:00", "end": "2022-09-16T20:00:00+02:00",
         "place": "Bibliothèque Alexis de Tocqueville, 15 quai François Mitterrand, 14000 Caen"},
        {"uid": "71349782", "title": "Visite guidée : Tocqueville Trip", "start": "2022-09-18T15:30:00+02:00"},
    ]),
    Case("openagenda-json/oa_v2_get-event-wrapped_villes-mobiles.json", openagenda, date(2024, 9, 1), 1, [
        {"uid": "39135985", "title": "Villes mobiles", "start": "2024-09-17T09:30:00+02:00",
         "end": "2025-05-28T17:00:00+02:00", "place": "Archives Bordeaux Métropole, Parvis des Archives, Bordeaux"},
    ]),
]

# Timing counts and how many fall in summer time, from SOURCES.md.
OCCURRENCES = {
    "oa_v2_event_ateliers-urbraye.json": (7, 7),
    "oa_v2_event_begles_recurring.json": (5, 0),
    "oa_v2_event_bibliotheque-meriadeck.json": (33, 33),
    "oa_v2_event_online_no-location.json": (359, 205),
    "oa_v2_event_piscine-roubaix_dst.json": (79, 54),
    "oa_v2_event_quinzaine_source-of-pdf.json": (13, 13),
    "oa_v2_get-event-wrapped_villes-mobiles.json": (176, 69),
    "oa_v2_drafts-response_utc-timings.json": (3, 3),
}


def run(shared, case: Case):
    return case.extract.extract((shared / "realworld" / case.path).read_bytes(), PAGE, case.ref)


@pytest.mark.parametrize("case", CASES, ids=[case.path.split("/")[1] for case in CASES])
def test_realworld_file(shared, case):
    result = run(shared, case)
    assert len(result.sessions) == case.count
    assert len(result.problems) == case.problems, result.problems
    for expected in case.expected:
        assert any(expected.items() <= session.items() for session in result.sessions), expected
    name = case.path.split("/")[1]
    if name in OCCURRENCES:
        count, summer = OCCURRENCES[name]
        occurrences = result.sessions[0]["occurrences"]
        assert (len(occurrences), sum(o["start"].endswith("+02:00") for o in occurrences)) == (count, summer)


def test_every_realworld_structured_file_has_a_case(shared):
    folders = ("ics", "jsonld-html", "microdata-html", "tribe-json", "openagenda-json")
    files = {f"{folder}/{path.name}" for folder in folders for path in (shared / "realworld" / folder).iterdir()}
    assert files == {case.path for case in CASES}


def test_recurrence_exceptions_do_not_duplicate_sessions(shared):
    """Google Paris export (186 RECURRENCE-IDs): a modified occurrence replaces, never doubles."""
    case = next(case for case in CASES if "issue_173" in case.path)
    uids = Counter(session["uid"] for session in run(shared, case).sessions)
    assert uids.most_common(1)[0][1] == 1


def test_openagenda_cursor_follow(shared):
    case = next(case for case in CASES if "tocqueville" in case.path)
    assert run(shared, case).follow == [f"{PAGE}?after[]=0&after[]=1663507800000&after[]=1663516800000&after[]=71349782"]


def test_tec_month_view_markup_without_jsonld(shared):
    """The same GLWA month view with its JSON-LD removed: the month-grid markup gives the 5 events,
    at the wall-clock times it shows (``<time datetime="11:00">``), taken as Paris time."""
    body = (shared / "realworld" / "jsonld-html" / "tec-v2_month-view_glwater.html").read_bytes()
    body = re.sub(rb'<script type="application/ld\+json".*?</script>', b"", body, flags=re.DOTALL)
    result = tribe.extract(body, PAGE, date(2025, 11, 1))
    assert [s["start"] for s in result.sessions] == [
        "2025-11-12T11:00:00+01:00", "2025-11-20T12:00:00+01:00", "2025-11-20T13:00:00+01:00",
        "2025-11-21T08:00:00+01:00", "2025-12-03T08:00:00+01:00",
    ]
    assert result.sessions[0]["title"] == "Operations and Resources"
    assert result.follow == ["https://www.glwater.org/events/month/2025-12/"]


def test_tec_jsonld_description_has_no_literal_nbsp(shared):
    case = next(case for case in CASES if "glwater" in case.path)
    first = run(shared, case).sessions[0]
    assert "&nbsp;" not in first["description"] and first["description"].startswith("Click Here to View Agenda:")

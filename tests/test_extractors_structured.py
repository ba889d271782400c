"""Structured-format extractors (JSON-LD/microdata/RDFa, ICS, TEC, OpenAgenda) and format detection,
on small hand-written inputs in tests/fixtures/extract/ that imitate what French sites publish."""
import json
from datetime import date
from pathlib import Path

import pytest

from crawler.extractors import detect, ics, jsonld, openagenda, tribe
from crawler.extractors.base import ExtractError
from crawler.sites import SITES_DIR

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
PAGE = "https://bd.example.fr/agenda/"
REF = date(2025, 1, 6)


def run(module, name: str, url: str = PAGE):
    return module.extract((FIXTURES / name).read_bytes(), url, REF)


def by_title(result) -> dict:
    return {session["title"]: session for session in result.sessions}


# --- JSON-LD, microdata, RDFa -------------------------------------------------------------

@pytest.fixture(scope="module")
def graph():
    return run(jsonld, "graph_formations.html")


def test_jsonld_finds_events_inside_graph_and_skips_other_types(graph):
    assert sorted(by_title(graph)) == [
        "Atelier RGPD pour les petites bibliothèques",
        "Journée d'étude : données personnelles et lecture publique",
        "Protéger sa vie privée en ligne : accompagner les usagers",
    ]


def test_jsonld_sub_events_become_occurrences_of_the_parent(graph):
    training = by_title(graph)["Protéger sa vie privée en ligne : accompagner les usagers"]
    # "+0100" has no colon; "2025-03-11T09:30" has no zone and is read as Paris time.
    assert training["occurrences"] == [
        {"start": "2025-03-10T09:30:00+01:00", "end": "2025-03-10T17:00:00+01:00"},
        {"start": "2025-03-11T09:30:00+01:00", "end": "2025-03-11T16:30:00+01:00"},
    ]
    assert (training["start"], training["end"]) == ("2025-03-10T09:30:00+01:00", "2025-03-11T16:30:00+01:00")


def test_jsonld_reads_place_organiser_offer_audience_and_plain_description(graph):
    training = by_title(graph)["Protéger sa vie privée en ligne : accompagner les usagers"]
    assert training["place"] == "Médiathèque départementale, 14 rue Armand Dulamon 40000 Mont-de-Marsan"
    assert training["organiser"] == "Médiathèque départementale des Landes"
    assert training["registration_deadline"] == "2025-03-01"
    assert training["audience"] == "Bibliothécaires bénévoles"
    assert training["description"] == "Deux jours pour comprendre le pistage.\nAteliers pratiques."
    assert training["url"] == "https://bd.example.fr/formations/vie-privee/"
    assert training["uid"] == "https://bd.example.fr/formations/vie-privee/#event"


def test_jsonld_event_status_and_utc_converted_to_paris(graph):
    sessions = by_title(graph)
    cancelled = sessions["Atelier RGPD pour les petites bibliothèques"]
    assert cancelled["status"] == "cancelled"
    assert cancelled["start"] == "2025-04-03T16:00:00+02:00"  # 14:00Z
    assert cancelled["place"] == "En ligne https://visio.example.fr/rgpd"
    postponed = sessions["Journée d'étude : données personnelles et lecture publique"]
    assert (postponed["status"], postponed["start"], postponed["all_day"]) == ("postponed", "2025-05-20", True)


def test_jsonld_unreadable_start_is_a_problem_naming_the_event(graph):
    assert graph.problems == ["événement « Café numérique » ignoré : date de début illisible ('bientôt')"]


def test_broken_jsonld_is_a_problem_and_microdata_is_still_read():
    result = run(jsonld, "broken_jsonld_with_microdata.html")
    assert len(result.problems) == 1 and result.problems[0].startswith("bloc JSON-LD n° 1 illisible")
    [session] = result.sessions
    assert session["title"] == "Chiffrer ses courriels avec Thunderbird"
    assert (session["start"], session["end"]) == ("2025-06-05T14:00:00+02:00", "2025-06-05T17:00:00+02:00")
    assert session["place"] == "Bibliothèque de Saint-Lô, 50000 Saint-Lô"


def test_rdfa_event_is_compacted_and_read():
    [session] = run(jsonld, "rdfa_event.html").sessions
    assert session["title"] == "Rencontre ABF : logiciels libres en bibliothèque"
    assert session["start"] == "2025-09-18T10:00:00+02:00"
    assert session["place"] == "Bibliothèque universitaire, Rennes"


def test_jsonld_page_without_events_is_empty_not_an_error():
    result = jsonld.extract(b"<html><body><p>Rien</p></body></html>", PAGE, REF)
    assert (result.sessions, result.problems) == ([], [])


# --- iCalendar -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def calendar():
    return run(ics, "formations_cp1252.ics", url="https://bd.example.fr/agenda.ics")


def test_ics_in_windows_1252_is_decoded(calendar):
    assert "Sécurité numérique : l’essentiel pour les bénévoles" in by_title(calendar)


def test_ics_rrule_is_expanded_without_exdate_and_each_occurrence_has_its_uid(calendar):
    series = [s for s in calendar.sessions if s["uid"].startswith("form-101@")]
    assert [s["start"] for s in series] == [
        "2025-01-06T09:30:00+01:00", "2025-01-13T09:30:00+01:00", "2025-01-27T09:30:00+01:00",
    ]
    assert series[1]["uid"] == "form-101@bd.example.fr#2025-01-13T09:30:00+01:00"


def test_ics_unfolds_unescapes_and_makes_url_absolute(calendar):
    first = calendar.sessions[0]
    assert first["description"] == "Trois matinées pour apprendre à protéger ses comptes, ses mots de passe et ses données."
    assert first["place"] == "Médiathèque départementale, 12 rue des Écoles, Guéret"
    assert first["organiser"] == "Médiathèque départementale de la Creuse"
    assert first["url"] == "https://bd.example.fr/formations/securite-numerique"


def test_ics_cancelled_utc_event(calendar):
    cancelled = by_title(calendar)["Atelier RGPD annulé"]
    assert (cancelled["status"], cancelled["start"]) == ("cancelled", "2025-02-04T14:00:00+01:00")
    assert cancelled["uid"] == "form-102@bd.example.fr"


def test_ics_all_day_end_is_made_inclusive(calendar):
    days = by_title(calendar)["Journées professionnelles"]
    assert (days["start"], days["end"], days["all_day"]) == ("2025-03-13", "2025-03-14", True)


def test_ics_floating_time_without_dtend(calendar):
    cafe = by_title(calendar)["Café vie privée"]
    assert (cafe["start"], cafe["end"]) == ("2025-03-20T18:00:00+01:00", None)


def test_ics_window_keeps_30_days_back_only():
    body = (FIXTURES / "formations_cp1252.ics").read_bytes()
    later = ics.extract(body, PAGE, date(2025, 3, 1))  # window opens on 30 January
    assert [s["title"] for s in later.sessions] == ["Atelier RGPD annulé", "Journées professionnelles", "Café vie privée"]


@pytest.mark.parametrize("tzid", ["Romance Standard Time", "W. Europe Standard Time", "Europe/Paris"])
def test_ics_windows_zone_names_without_vtimezone(tzid):
    """Outlook/Exchange exports name Paris "Romance Standard Time" and often omit the VTIMEZONE."""
    body = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nSUMMARY:Formation\r\n"
        f'DTSTART;TZID="{tzid}":20250701T100000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n'
    ).encode()
    assert [s["start"] for s in ics.extract(body, PAGE, date(2025, 6, 1)).sessions] == ["2025-07-01T10:00:00+02:00"]


@pytest.mark.parametrize("declared", ["Europe.Paris", "Europe"])
def test_openagenda_ics_with_an_unknown_wr_timezone_is_read_in_paris(declared):
    """``X-WR-TIMEZONE:Europe.Paris``: recurring-ical-events raised ZoneInfoNotFoundError (and
    IsADirectoryError for a bare "Europe") instead of falling back to Paris."""
    body = (SITES_DIR / "openagenda" / "agendas" / "51843210" / "events.v2.ics").read_bytes()
    broken = body.replace(b"X-WR-TIMEZONE:Europe/Paris", b"X-WR-TIMEZONE:" + declared.encode())
    assert broken != body
    ref = date(2026, 11, 25)
    result = ics.extract(broken, PAGE, ref)
    assert result.sessions and result.sessions == ics.extract(body, PAGE, ref).sessions
    assert result.problems == [f"fuseau horaire X-WR-TIMEZONE inconnu « {declared} », Europe/Paris retenu"]


def test_truncated_ics_raises():
    body = (FIXTURES / "formations_cp1252.ics").read_bytes()
    with pytest.raises(ExtractError, match="tronqué"):
        ics.extract(body[: len(body) // 2], PAGE, REF)


def test_non_calendar_raises():
    with pytest.raises(ExtractError, match="pas un calendrier"):
        ics.extract(b"<html>404</html>", PAGE, REF)


# --- The Events Calendar -------------------------------------------------------------------

@pytest.fixture(scope="module")
def tribe_api():
    return run(tribe, "tribe_page1.json", url="https://abf-normandie.example.fr/wp-json/tribe/events/v1/events")


def test_tribe_api_event(tribe_api):
    session = tribe_api.sessions[0]
    assert session["title"] == "Atelier – Se protéger du hameçonnage"
    assert (session["start"], session["end"]) == ("2025-02-04T09:30:00+01:00", "2025-02-04T12:30:00+01:00")
    assert session["place"] == "Médiathèque Jacques Prévert, 2 place de la Mairie, 50100 Cherbourg-en-Cotentin"
    assert (session["organiser"], session["uid"]) == ("ABF Normandie", "4242")
    assert session["description"] == "Reconnaître un courriel frauduleux."


def test_tribe_api_all_day_and_empty_venue_list(tribe_api):
    day = tribe_api.sessions[1]
    assert (day["start"], day["end"], day["all_day"], day["place"]) == ("2025-03-14", "2025-03-15", True, None)


def test_tribe_api_follows_next_rest_url_and_names_broken_event(tribe_api):
    assert tribe_api.follow == ["https://abf-normandie.example.fr/wp-json/tribe/events/v1/events?page=2"]
    assert len(tribe_api.problems) == 1 and "« Date cassée »" in tribe_api.problems[0]
    assert tribe_api.strategy == "tribe-api"


def test_tribe_list_view_markup_without_jsonld():
    result = run(tribe, "tribe_list_view.html")
    first, second = result.sessions
    assert first["title"] == "Nos traces numériques"
    assert (first["start"], first["end"]) == ("2025-10-07T14:00:00+02:00", "2025-10-07T17:30:00+02:00")
    assert first["place"] == "Bibliothèque de Vire, Vire Normandie"
    assert first["url"] == "https://bd.example.fr/evenement/traces-numeriques/"
    assert (second["start"], second["all_day"]) == ("2025-10-15", True)
    assert result.follow == ["https://bd.example.fr/evenements/liste/page/2/"]


def test_tribe_api_relative_event_url_is_resolved_against_the_response():
    """``"url": "/event/x/"`` was passed on as is, and validation dropped the session."""
    event = {"id": 7, "title": "Atelier", "url": "/event/atelier/", "timezone": "Europe/Paris",
             "start_date": "2025-02-04 09:30:00", "end_date": "2025-02-04 12:30:00"}
    body = json.dumps({"events": [event]}).encode()
    [session] = tribe.extract(body, "https://bd.example.fr/wp-json/tribe/events/v1/events", REF).sessions
    assert session["url"] == "https://bd.example.fr/event/atelier/"


def test_tribe_site_list_view_all_day_event_ends_on_its_day_as_in_the_api():
    """The tribe-site fixture's "Journée réseau" (all day, 15 December): the list view gave no end."""
    site = SITES_DIR / "tribe-site"
    listed = tribe.extract((site / "events/list/index.html").read_bytes(), "https://t.example/events/list/", REF)
    api = tribe.extract((site / "wp-json/tribe/events/v1/events/index.json").read_bytes(),
                        "https://t.example/wp-json/tribe/events/v1/events", REF)
    ends = [{s["title"]: (s["start"], s["end"], s["all_day"]) for s in result.sessions} for result in (listed, api)]
    assert ends[0] == ends[1]
    assert ends[0]["Journée réseau : valoriser les fonds locaux"] == ("2026-12-15", "2026-12-15", True)


def test_tribe_broken_json_raises():
    with pytest.raises(ExtractError, match="JSON illisible"):
        tribe.extract(b'{"events": [', PAGE, REF)


# --- OpenAgenda ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def agenda():
    return run(openagenda, "openagenda_page.json", url="https://api.openagenda.com/v2/agendas/123/events?key=K&after[]=0")


def test_openagenda_timings_make_one_session_with_sorted_occurrences(agenda):
    training = agenda.sessions[0]
    # UTC timings converted to Paris; the 31 March one is after the switch to summer time.
    assert [o["start"] for o in training["occurrences"]] == [
        "2025-03-10T14:00:00+01:00", "2025-03-17T14:00:00+01:00", "2025-03-31T14:00:00+02:00",
    ]
    assert (training["start"], training["end"]) == ("2025-03-10T14:00:00+01:00", "2025-03-31T16:00:00+02:00")
    assert training["place"] == "Médiathèque du Marsan, 1 place Pierre Pancaut, 40000 Mont-de-Marsan"
    assert (training["uid"], training["date_text"]) == ("88001", "10 - 31 mars")


def test_openagenda_event_timezone_language_fallback_and_online(agenda):
    online = agenda.sessions[1]
    assert online["title"] == "Password managers"  # no French title: any language
    assert online["start"] == "2025-04-02T09:00:00+04:00"  # Indian/Reunion, the event's own zone
    assert (online["place"], online["status"]) == ("En ligne", "cancelled")


def test_openagenda_list_mode_uses_first_and_last_timing(agenda):
    postponed = agenda.sessions[2]
    assert (postponed["start"], postponed["end"], postponed["occurrences"]) == (
        "2025-05-06T18:00:00+02:00", "2025-05-06T20:00:00+02:00", [])
    assert postponed["status"] == "postponed"


def test_openagenda_skips_drafts_and_unreadable_timings_as_problems(agenda):
    assert len(agenda.sessions) == 3
    assert "n° 88004" in agenda.problems[0] and "« Horaires abîmés »" in agenda.problems[1]


def test_openagenda_cursor_becomes_next_page_url(agenda):
    assert agenda.follow == [
        "https://api.openagenda.com/v2/agendas/123/events?key=K&after[]=1&after[]=1741600800000&after[]=88001"
    ]


def test_openagenda_last_page_has_no_follow():
    result = openagenda.extract(b'{"events": [], "after": [5, 6]}', PAGE, REF)
    assert (result.sessions, result.follow) == ([], [])


def test_openagenda_broken_json_raises():
    with pytest.raises(ExtractError, match="JSON illisible"):
        openagenda.extract(b'{"events": [{"uid": 1,', PAGE, REF)


# --- detect --------------------------------------------------------------------------------

@pytest.mark.parametrize("name, strategy", [
    ("graph_formations.html", "jsonld"),
    ("broken_jsonld_with_microdata.html", "jsonld"),
    ("formations_cp1252.ics", "ics"),
    ("tribe_page1.json", "tribe-api"),
    ("tribe_list_view.html", "tribe-html"),
    ("openagenda_page.json", "openagenda"),
    ("alternate_only.html", "alternate"),
])
def test_detect_auto_picks_the_extractor(name, strategy):
    result = detect.extract((FIXTURES / name).read_bytes(), PAGE, REF)
    assert result.strategy == strategy
    assert result.sessions or result.follow


def test_detect_alternate_links_skip_the_comments_feed():
    result = run(detect, "alternate_only.html")
    assert (result.sessions, result.follow) == ([], ["https://bd.example.fr/agenda/?ical=1", "https://bd.example.fr/agenda/feed/"])


@pytest.mark.parametrize("head, content_type, expected", [
    (b"%PDF-1.4 ...", None, "pdf"),
    (b"\xef\xbb\xbfBEGIN:VCALENDAR\r\n", "text/plain", "ics"),  # BOM and a lying Content-Type
    (b'<?xml version="1.0"?>\n<rss version="2.0">', None, "feed"),
    (b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">', None, "feed"),
    (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">', None, "feed"),
    (b'{"events": [], "rest_url": "x", "total_pages": 0}', "text/html", "tribe"),
    (b'{"events": [{"uid": 1, "title": {"fr": "x"}}], "after": null}', None, "openagenda"),
    (b'{"success": true, "event": {"uid": 1}}', None, "openagenda"),
    # /wp-json/wp/v2/posts, once sniffed as OpenAgenda; also a single post.
    (b'[{"id": 812, "title": {"rendered": "x"}, "content": {"rendered": "<p>x</p>"}}]', None, "wordpress"),
    (b'{"id": 812, "title": {"rendered": "x"}, "content": {"rendered": "<p>x</p>"}}', "text/html", "wordpress"),
    (b"<html><body>x</body></html>", "text/html", "html"),
    (b"BINARY", "text/calendar", "ics"),
])
def test_sniff(head, content_type, expected):
    assert detect.sniff(head, content_type) == expected


def test_detect_explicit_format_is_obeyed():
    body = (FIXTURES / "graph_formations.html").read_bytes()
    assert detect.extract(body, PAGE, REF, format="tribe").strategy == "tribe-html"
    with pytest.raises(ValueError, match="unknown format"):
        detect.extract(body, PAGE, REF, format="docx")


def test_detect_hands_the_header_charset_to_the_page_reader():
    """A page without ``<meta charset>`` in ISO-8859-15, the charset only in the Content-Type:
    Windows-1252, the fallback, would read "cœur" as "c½ur"."""
    body = ("<html><head><title>Agenda</title></head><body><h1>Le cœur des données</h1>"
            "<p>Mardi 14 janvier 2025, 14 h - 17 h</p></body></html>").encode("iso-8859-15")
    result = detect.extract(body, PAGE, REF, "text/html; charset=ISO-8859-15")
    assert [s["title"] for s in result.sessions] == ["Le cœur des données"]


def test_detect_broken_json_raises():
    with pytest.raises(ExtractError):
        detect.extract(b'{"events": [', PAGE, REF, content_type="application/json")

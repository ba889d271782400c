"""Datasette for the volunteers, over HTTP: canned queries, facets, search, feeds, triage, map.

One real Datasette process serves a database built by the project's store (see
datasette_helpers.py for the sessions it holds and why).
"""
import json
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterable
from datetime import date, datetime, timedelta

import feedparser
import icalendar
import pytest
import requests

from conftest import ROOT
from crawler.alerts import AlertsConfig, Subscriber, build_digests
from crawler.digest import french_days
from crawler.geo import locate
from crawler.serve import METADATA
from crawler.store import ORGANISERS_VIEW_V3, Store
from datasette_helpers import (ABF, BD22, BD26, BD35, PARIS, PASSWORD, SCRIPT_TITLE, VITRE, VOLUNTEER,
                               DatasetteProcess, catalogue, course_days, paris, relevant, sid, today, weekly_days)

pytest_plugins = ["conftest_datasette"]

# Soonest first day first; the others are past, gone, cancelled, not relevant or « pas pertinent ».
WEEKLY = "Atelier hebdomadaire : sécuriser les postes publics"
COURSE = "Cybersécurité en bibliothèque : parcours en quatre journées"
UPCOMING = [
    WEEKLY, "Protéger sa vie privée en ligne", SCRIPT_TITLE, "Pistage en ligne : comprendre les cookies",
    "Journée d'étude : le RGPD en bibliothèque", "Mots de passe et vie privée", COURSE,
    "Données personnelles et prêt numérique", "Chiffrer ses messages", "Sécurité numérique : les bons réflexes",
]
DATABASE = json.loads(METADATA.read_text(encoding="utf-8"))["databases"]["veille"]
QUERIES = DATABASE["queries"]


def rows(server, query: str, **params) -> list[dict]:
    response = requests.get(f"{server.url}/veille/{query}.json", params={"_shape": "array", **params}, timeout=10)
    assert response.status_code == 200, response.text[:500]
    return response.json()


def titles(result: list[dict]) -> list[str]:
    return [r["titre"] for r in result]


# --- metadata -------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_canned_query_is_described_in_french(name):
    query = QUERIES[name]
    assert re.search(r"[éèàêç]| les | des | de ", query["title"] + " " + query["description"]), name


def test_database_page_lists_the_reading_queries_to_anonymous_visitors(datasette):
    page = requests.get(f"{datasette.url}/veille", timeout=10).text
    listed = set(re.findall(r'<li><a href="/veille/(\w+)" title=', page))
    assert listed == {name for name, query in QUERIES.items() if not query.get("write")}


def test_index_page_links_to_the_feeds_and_the_map(datasette):
    page = requests.get(datasette.url + "/", timeout=10).text
    assert "Veille formations vie privée" in page
    for link in ("/veille/calendrier.ics", "/veille/nouvelles_sessions.atom", "/veille/carte", "/veille/prochaines_sessions",
                 "/veille/calendrier.ics?territoire=35", "/veille/nouvelles_sessions.atom?territoire=bretagne",
                 "/veille/ou_proposer_un_atelier", "/veille/sans_vie_privee_depuis_un_an", "/veille/carte_sans_vie_privee"):
        assert f'href="{link}"' in page


def test_the_organisers_view_is_described_column_by_column(veille_db):
    columns = [row[1] for row in sqlite3.connect(veille_db).execute("pragma table_info(organisers)")]
    assert list(DATABASE["tables"]["organisers"]["columns"]) == columns


def test_internal_tables_are_hidden_and_subscribers_private(datasette):
    tables = {t["name"]: t["hidden"] for t in requests.get(f"{datasette.url}/veille.json", timeout=10).json()["tables"]}
    assert tables["sessions_fts"] and tables["sessions_fts_data"] and tables["source_runs"] and tables["organiser_days"]
    assert not tables["sessions"] and not tables["triage"]
    assert "alerts" not in tables  # subscribers' addresses: volunteers only
    assert requests.get(f"{datasette.url}/veille/alerts.json", timeout=10).status_code == 403
    assert logged_in(datasette).get(f"{datasette.url}/veille/alerts.json", timeout=10).status_code == 200


def test_anonymous_visitors_cannot_run_their_own_sql(datasette):
    response = requests.get(f"{datasette.url}/veille.json", params={"sql": "select * from alerts"}, timeout=10)
    assert response.status_code == 403


# --- canned queries -------------------------------------------------------------------
def test_upcoming_relevant_sessions_soonest_first(datasette):
    result = rows(datasette, "prochaines_sessions")
    assert titles(result) == UPCOMING
    first = {r["titre"]: r for r in result}["Protéger sa vie privée en ligne"]
    assert (first["date"], first["heure"], first["score"]) == ((today() + timedelta(10)).isoformat(), "09:30", 85)
    assert first["pourquoi"] == "« vie privée » dans le titre"
    assert first["lieu"] == "Médiathèque départementale, 35000 Rennes"
    assert first["organisateur"] == BD35.name
    assert first["lien"] == f"{BD35.url}/vie-privee"
    assert result[7]["statut"] == "reportée"


def test_upcoming_sessions_in_several_parts_show_every_day(datasette):
    days = {r["session_id"]: r["jours"] for r in rows(datasette, "prochaines_sessions")}
    assert days[sid(ABF, "parcours")] == french_days(course_days())  # not only the first and last
    assert days[sid(BD35, "hebdo")] == french_days(weekly_days())  # begun a week ago, still listed
    assert days[sid(BD35, "une-journee")] == french_days([today() + timedelta(35)])
    assert days[sid(ABF, "rgpd")] == f"du {french_days([today() + timedelta(20)])} au {french_days([today() + timedelta(21)])}"


def test_the_sessions_table_shows_the_days_and_exports_them_as_json(datasette):
    page = requests.get(f"{datasette.url}/veille/sessions/{sid(ABF, 'parcours')}", timeout=10).text
    assert french_days(course_days()) in page
    exported = requests.get(f"{datasette.url}/veille/sessions/{sid(ABF, 'parcours')}.json",
                            params={"_shape": "array"}, timeout=10).json()[0]
    assert [part["start"] for part in json.loads(exported["occurrences"])] == [paris(day, 9, 30) for day in course_days()]


def test_a_session_without_place_still_lists(datasette):
    no_place = [r for r in rows(datasette, "prochaines_sessions") if r["session_id"] == sid(ABF, "sans-lieu")]
    assert no_place and no_place[0]["lieu"] is None and no_place[0]["heure"] == "journée"


def test_new_or_changed_this_week(datasette):
    result = {r["titre"]: r for r in rows(datasette, "nouveautes_semaine")}
    assert result["Protéger sa vie privée en ligne"]["nouveauté"] == "modifiée"
    assert result["Protéger sa vie privée en ligne"]["champs_modifiés"] == "start"
    assert result["Journée d'étude : le RGPD en bibliothèque"]["nouveauté"] == "nouvelle"
    assert "Sécurité numérique : les bons réflexes" not in result  # unchanged for a month
    assert "Atelier vie privée d'hier" not in result  # past


@pytest.mark.parametrize("territoire, expected", [
    ("35", [WEEKLY, "Protéger sa vie privée en ligne", "Données personnelles et prêt numérique", "Chiffrer ses messages"]),
    ("26", [SCRIPT_TITLE, "Mots de passe et vie privée", "Sécurité numérique : les bons réflexes"]),
    ("bretagne", [WEEKLY, "Protéger sa vie privée en ligne", "Pistage en ligne : comprendre les cookies",
                  "Journée d'étude : le RGPD en bibliothèque", COURSE, "Données personnelles et prêt numérique",
                  "Chiffrer ses messages"]),
    ("3", []),  # a code, not a prefix: 3 is not 35
    ("35, auvergne-rhone-alpes", [WEEKLY, "Protéger sa vie privée en ligne", SCRIPT_TITLE, "Mots de passe et vie privée",
                                  "Données personnelles et prêt numérique", "Chiffrer ses messages",
                                  "Sécurité numérique : les bons réflexes"]),
])
def test_by_departement_or_region(datasette, territoire, expected):
    assert titles(rows(datasette, "par_territoire", territoire=territoire)) == expected


def test_cancelled_or_postponed(datasette):
    result = {r["titre"]: r for r in rows(datasette, "annulees_reportees")}
    assert result["Autodéfense numérique"]["statut"] == "annulée"
    assert result["Données personnelles et prêt numérique"]["statut"] == "reportée"
    assert result["Données personnelles et prêt numérique"]["changé_le"]
    assert len(result) == 2


def test_registration_closing_soon(datasette):
    result = rows(datasette, "inscriptions_bientot_closes")
    assert [(r["titre"], r["jours_restants"]) for r in result] == [("Protéger sa vie privée en ligne", 5)]


@pytest.mark.parametrize("words", ["vie privée", "vie privee", "VIE PRIVEE"])
def test_full_text_search_ignores_accents_and_case(datasette, words):
    found = titles(rows(datasette, "recherche", recherche=words))
    assert set(found) == {"Protéger sa vie privée en ligne", "Vie privée des usagers : atelier",
                          "Mots de passe et vie privée", "Atelier vie privée d'hier"}
    assert found[-1] == "Atelier vie privée d'hier"  # past sessions last


def test_search_with_empty_words_finds_nothing_and_fails_not(datasette):
    assert rows(datasette, "recherche", recherche="") == []


def test_source_health(datasette):
    result = rows(datasette, "sante_sources")
    assert [r["source"] for r in result][0] == BD26.id  # failing first
    failing = result[0]
    assert failing["santé"] == "en échec" and failing["dernière_erreur"] == "HTTP 503 Service Unavailable"
    assert failing["problème"] == "aucune page lisible : HTTP 503 Service Unavailable"
    assert (failing["sessions_maintenant"], failing["sessions_avant"]) == (0, 4)
    healthy = {r["source"]: r for r in result}[BD35.id]
    assert healthy["santé"] == "ok" and healthy["dernier_succès"] and healthy["sessions_maintenant"] == 9
    assert healthy["problème"] is None


def test_session_history(datasette):
    result = rows(datasette, "historique_session", session_id=sid(BD35, "vie-privee"))
    assert [r["quoi"] for r in result] == ["première apparition", "début"]
    assert result[1]["avant"].endswith("T09:00:00+01:00") and result[1]["après"].endswith("T09:30:00+01:00")


def test_facets_on_sessions(datasette):
    data = requests.get(f"{datasette.url}/veille/sessions.json", timeout=10).json()
    facets = data["facet_results"]
    assert set(facets) == {"departement", "region", "source_kind", "organiser", "status", "month"}
    counts = lambda name: {f["value"]: f["count"] for f in facets[name]["results"]}  # noqa: E731
    assert counts("departement") == {"35": 10, "26": 4, "22": 5}
    assert counts("source_kind") == {"bd": 19, "abf": 3}
    assert counts("status")["cancelled"] == 1
    assert counts("month")[(today() + timedelta(10)).isoformat()[:7]] >= 1


def test_table_search_ignores_accents(datasette):
    data = requests.get(f"{datasette.url}/veille/sessions.json", params={"_search": "donnees personnelles",
                                                                        "_shape": "array"}, timeout=10).json()
    assert {r["title"] for r in data} == {SCRIPT_TITLE, "Données personnelles et prêt numérique"}


# --- where to offer a workshop ---------------------------------------------------------
def organisers(result: list[dict]) -> list[str]:
    return [r["organisme"] for r in result]


def test_where_to_offer_a_workshop_much_mediation_and_no_privacy_first(datasette):
    result = rows(datasette, "ou_proposer_un_atelier", territoire="bretagne")
    assert organisers(result) == [BD22.name, VITRE, ABF.name, BD35.name]
    first = result[0]
    assert (first["rang"], first["département"], first["contact"], first["site"]) == (
        1, "22", BD22.contact, BD22.url)
    assert (first["sessions_médiation"], first["sessions_vie_privée"], first["dernière_session_vie_privée"]) == (4, 0, None)
    assert (first["sessions_12_derniers_mois"], first["sessions_à_venir"]) == (3, 1)  # 400 days ago: not counted
    last = result[-1]
    # Six privacy sessions, one triaged « pas pertinent »: not a privacy session for outreach.
    assert (last["sessions_médiation"], last["sessions_vie_privée"]) == (0, 5)
    assert last["dernière_session_vie_privée"] == (today() + timedelta(35)).isoformat()


@pytest.mark.parametrize("territoire, expected", [
    ("22", [BD22.name]),
    ("35", [VITRE, BD35.name]),  # two organisers in one calendar
    ("Auvergne-Rhône-Alpes", ["Médiathèque départementale de la Drôme"]),
])
def test_where_to_offer_a_workshop_in_a_departement(datasette, territoire, expected):
    assert organisers(rows(datasette, "ou_proposer_un_atelier", territoire=territoire)) == expected


def test_organisers_without_a_privacy_session_for_a_year(datasette):
    result = rows(datasette, "sans_vie_privee_depuis_un_an")
    # Vitré's privacy session was 400 days ago; the ABF and the Drôme have only announced sessions.
    assert organisers(result) == [BD22.name, VITRE]
    assert [r["sessions_12_derniers_mois"] for r in result] == [3, 1]


def test_map_of_organisers_without_a_privacy_session(datasette):
    result = rows(datasette, "carte_sans_vie_privee")
    assert organisers(result) == [BD22.name, VITRE]
    assert {"latitude", "longitude", "contact"} <= set(result[0])
    assert (result[1]["latitude"], result[1]["longitude"]) == pytest.approx((48.12, -1.21), abs=0.01)  # Vitré
    assert 48.4 < result[0]["latitude"] < 48.8  # between Saint-Brieuc and Lannion
    assert "datasette-cluster-map.js" in requests.get(f"{datasette.url}/veille/carte_sans_vie_privee", timeout=10).text


# --- feeds ----------------------------------------------------------------------------
def calendar(server, **params) -> dict[str, icalendar.Event]:
    response = requests.get(f"{server.url}/veille/calendrier.ics", params=params, timeout=10)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(response.text).walk("VEVENT")
    assert len({str(e["UID"]) for e in events}) == len(events)
    return {str(e["UID"]): e for e in events}


def sessions_of(uids: Iterable[str]) -> set[str]:
    """The sessions of a calendar's events (a calendar() gives its uids): uid '<session id>', or
    '<session id>-<n>' for the n-th day of a session in several parts (session ids are hexadecimal)."""
    return {uid.split("-")[0] for uid in uids}


def atom(server, **params) -> feedparser.FeedParserDict:
    response = requests.get(f"{server.url}/veille/nouvelles_sessions.atom", params=params, timeout=10)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def test_ics_local_paris_times_winter_and_summer(datasette):
    events = calendar(datasette)
    winter = events[sid(BD35, "vie-privee")]
    assert winter.decoded("DTSTART") == datetime.combine(today() + timedelta(10), datetime.min.time().replace(hour=9, minute=30), PARIS)
    assert winter["DTSTART"].params["TZID"] == "Europe/Paris"
    assert winter.decoded("DTEND").hour == 12 and winter.decoded("DTEND").minute == 30
    summer = events[sid(BD26, "ete")].decoded("DTSTART")
    assert (summer.month, summer.hour, summer.utcoffset()) == (6, 14, timedelta(hours=2))


def test_ics_all_day_sessions_are_all_day(datasette):
    rgpd = calendar(datasette)[sid(ABF, "rgpd")]
    start, end = rgpd.decoded("DTSTART"), rgpd.decoded("DTEND")
    assert type(start) is date and type(end) is date  # noqa: E721 (datetime is a date subclass)
    assert (start, end) == (today() + timedelta(20), today() + timedelta(22))  # DTEND is exclusive


def test_ics_description_says_why_and_links(datasette):
    event = calendar(datasette)[sid(BD35, "vie-privee")]
    assert "Pourquoi : « vie privée » dans le titre" in str(event["DESCRIPTION"])
    assert f"{BD35.url}/vie-privee" in str(event["DESCRIPTION"])
    assert str(event["SUMMARY"]) == "Protéger sa vie privée en ligne"


def test_ics_uids_are_session_ids_stable_across_fetches(datasette):
    first, second = calendar(datasette), calendar(datasette)
    assert set(first) == set(second)
    assert sessions_of(first) == {r["session_id"] for r in rows(datasette, "prochaines_sessions")}
    assert sid(BD35, "pas-pertinent") not in sessions_of(first) and sid(BD26, "annulee") not in sessions_of(first)
    # Single sessions keep the uid their subscribers already have, a one-day ``occurrences`` too.
    assert {sid(BD35, "vie-privee"), sid(ABF, "rgpd"), sid(BD35, "une-journee")} <= set(first)


def test_ics_a_session_in_four_parts_is_four_events_in_paris_time(datasette):
    course = sid(ABF, "parcours")
    first, second = calendar(datasette), calendar(datasette)
    uids = [f"{course}-{n}" for n in range(1, 5)]
    assert sorted(uid for uid in first if uid.startswith(course)) == uids
    for n, (uid, day) in enumerate(zip(uids, course_days()), start=1):
        event = first[uid]
        assert event.decoded("DTSTART") == second[uid].decoded("DTSTART") == datetime.fromisoformat(paris(day, 9, 30))
        assert event.decoded("DTEND") == datetime.fromisoformat(paris(day, 16, 30))  # that day, not three weeks on
        assert event["DTSTART"].params["TZID"] == "Europe/Paris"
        assert str(event["SUMMARY"]) == f"{COURSE} (journée {n} sur 4)"
        assert f"Toutes les journées : {french_days(course_days())}" in str(event["DESCRIPTION"])
    single, day = first[sid(BD35, "une-journee")], today() + timedelta(35)
    assert (single.decoded("DTSTART"), single.decoded("DTEND")) == (
        datetime.fromisoformat(paris(day, 14)), datetime.fromisoformat(paris(day, 17)))
    assert str(single["SUMMARY"]) == "Chiffrer ses messages" and "Toutes les journées" not in str(single["DESCRIPTION"])


def test_ics_a_begun_course_keeps_its_coming_days_all_day(datasette):
    weekly = sid(BD35, "hebdo")
    events = {uid: event for uid, event in calendar(datasette).items() if uid.startswith(weekly)}
    assert sorted(events) == [f"{weekly}-2", f"{weekly}-3"]  # the first day, a week ago, is past
    for uid, day in zip(sorted(events), weekly_days()[1:]):
        start, end = events[uid].decoded("DTSTART"), events[uid].decoded("DTEND")
        assert type(start) is date and (start, end) == (day, day + timedelta(1))  # noqa: E721


def test_atom_feed_of_new_relevant_sessions(datasette):
    response = requests.get(f"{datasette.url}/veille/nouvelles_sessions.atom", timeout=10)
    feed = atom(datasette)
    assert feed.feed.title == "Nouvelles sessions sur la vie privée"
    entries = {e.id: e for e in feed.entries}
    assert set(entries) == {f"urn:veille-formations:session:{r['session_id']}" for r in rows(datasette, "prochaines_sessions")}
    script = entries[f"urn:veille-formations:session:{sid(BD26, 'script')}"]
    assert script.title == SCRIPT_TITLE  # escaped in the XML, given back as text
    assert "<script>" not in response.text
    assert script.link == f"{BD26.url}/script" and "Pourquoi :" in script.summary
    assert script.updated_parsed and re.search(r"[+-]\d\d:\d\d$|Z$", script.updated)


def test_a_departements_calendar_has_only_its_sessions_in_paris_time(datasette):
    events = calendar(datasette, territoire="35")
    weekly = sid(BD35, "hebdo")  # not « pas pertinent », not past, not the past day of a course
    assert set(events) == {sid(BD35, "vie-privee"), sid(BD35, "reportee"), sid(BD35, "une-journee"),
                           f"{weekly}-2", f"{weekly}-3"}
    assert sid(BD26, "script") not in events and sid(ABF, "rgpd") not in events
    assert events[sid(BD35, "vie-privee")]["DTSTART"].params["TZID"] == "Europe/Paris"
    assert type(events[sid(BD35, "reportee")].decoded("DTSTART")) is date  # noqa: E721 all-day stays all-day
    assert set(events) == set(calendar(datasette, territoire="35"))  # stable


@pytest.mark.parametrize("territoire", ["bretagne", "35,22", "26", "3"])
def test_territory_feeds_agree_with_the_territory_list(datasette, territoire):
    listed = {r["session_id"] for r in rows(datasette, "par_territoire", territoire=territoire)}
    assert sessions_of(calendar(datasette, territoire=territoire)) == listed
    assert {e.id for e in atom(datasette, territoire=territoire).entries} == {
        f"urn:veille-formations:session:{session}" for session in listed}


def test_a_regions_atom_feed_has_only_its_sessions(datasette):
    entries = {e.id.rsplit(":", 1)[1]: e for e in atom(datasette, territoire="bretagne").entries}
    assert set(entries) == {sid(BD35, "vie-privee"), sid(BD35, "reportee"), sid(ABF, "rgpd"), sid(ABF, "sans-lieu"),
                            sid(ABF, "parcours"), sid(BD35, "hebdo"), sid(BD35, "une-journee")}
    assert entries[sid(ABF, "rgpd")].link == f"{ABF.url}/rgpd"
    assert entries[sid(ABF, "parcours")].summary.startswith(f"Les {french_days(course_days())} à 09 h 30 — Rennes")


def test_the_feed_pages_keep_the_territory_in_their_subscription_links(datasette):
    page = requests.get(f"{datasette.url}/veille/calendrier", params={"territoire": "35"}, timeout=10).text
    assert re.search(r'href="/veille/calendrier\.ics\?territoire=35"', page)


def test_the_digest_links_to_the_subscribers_own_feeds(datasette, veille_db):
    subscriber = Subscriber("ouest-et-drome", ("json://localhost",), departements=("35",),
                            regions=("auvergne-rhone-alpes",))
    [digest] = build_digests(veille_db, AlertsConfig((subscriber,), datasette.url), today())
    ics, feed = re.findall(rf"{re.escape(datasette.url)}/veille/\S+\?territoire=\S+", digest.text)
    events = sessions_of(str(e["UID"]) for e in icalendar.Calendar.from_ical(requests.get(ics, timeout=10).text).walk("VEVENT"))
    assert sid(BD35, "vie-privee") in events and sid(BD26, "ete") in events
    assert sid(ABF, "rgpd") not in events  # Bretagne, but not Ille-et-Vilaine
    entries = feedparser.parse(requests.get(feed, timeout=10).content).entries
    assert {e.id.rsplit(":", 1)[1] for e in entries} == events


# --- map ------------------------------------------------------------------------------
def test_map_query_places_sessions_by_town_or_departement(datasette):
    points = {r["titre"]: (r["latitude"], r["longitude"]) for r in rows(datasette, "carte")}
    assert points["Protéger sa vie privée en ligne"] == pytest.approx((48.11, -1.67), abs=0.01)  # Rennes
    assert points["Journée d'étude : le RGPD en bibliothèque"] == pytest.approx((48.52, -2.77), abs=0.01)  # Saint-Brieuc
    assert "Pistage en ligne : comprendre les cookies" not in points  # no place, no département
    page = requests.get(f"{datasette.url}/veille/carte", timeout=10).text
    assert "datasette-cluster-map.js" in page


@pytest.mark.parametrize("place, departement, expected", [
    ("Médiathèque, 2 rue de Paris, 35000 Rennes", "35", (48.11, -1.67)),  # Paris is a street here
    ("Salle des fêtes, Valence", "26", (44.93, 4.91)),  # Valence (Drôme)
    ("Valence", "82", (44.11, 0.89)),  # Valence (Tarn-et-Garonne)
    ("Bibliothèque, 22000 St-Brieuc", None, (48.52, -2.77)),  # département from the postcode
    ("Salle du Port, 2 rue du Port", "29", (48.00, -4.10)),  # no town: chef-lieu, Quimper
    (None, "2A", (41.92, 8.74)),  # Ajaccio
    ("Médiathèque de Saint-Denis", "974", (-20.88, 55.45)),  # La Réunion, not Seine-Saint-Denis
    ("Chambéry", "73-74", (45.57, 5.92)),
    ("Médiathèque de Villeneuve-sur-Lys", "26", (44.93, 4.91)),  # demo town: not Villeneuve (Ain), so Valence
])
def test_locate(place, departement, expected):
    assert locate(place, departement) == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize("place, departement", [
    ("En ligne (visioconférence)", "35"), ("quelque part", None), (None, None),
    ("Université de Lysbourg, amphithéâtre Condorcet", None),  # demo ABF place: Condorcet (Drôme) has 600 inhabitants
])
def test_locate_gives_nothing_for_online_or_unknown_places(place, departement):
    assert locate(place, departement) is None


# --- triage ---------------------------------------------------------------------------
def triage_row(db, session):
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    return conn.execute("select * from triage where session_id = ?", [session]).fetchone()


def logged_in(server) -> requests.Session:
    """A browser-like session logged in through datasette-auth-passwords' form."""
    http = requests.Session()
    token = re.search(r'name="csrftoken" value="([^"]+)"', http.get(f"{server.url}/-/login", timeout=10).text)[1]
    response = http.post(f"{server.url}/-/login", data={"username": VOLUNTEER, "password": PASSWORD, "csrftoken": token},
                         allow_redirects=False, timeout=10)
    assert response.status_code == 302 and "ds_actor" in http.cookies
    return http


def triage(http, server, session, state, note="") -> dict:
    form = http.get(f"{server.url}/veille/trier", timeout=10)
    token = re.search(r'name="csrftoken" value="([^"]+)"', form.text)[1]
    response = http.post(f"{server.url}/veille/trier", timeout=10, data={
        "session_id": session, "etat": state, "note": note, "csrftoken": token, "_json": "1"})
    assert response.status_code == 200, response.text[:500]
    return response.json()


def test_anonymous_cannot_triage(datasette, veille_db):
    session = sid(BD26, "a-trier")
    assert requests.get(f"{datasette.url}/veille/trier", timeout=10).status_code == 403
    response = requests.post(f"{datasette.url}/veille/trier", timeout=10,
                             data={"session_id": session, "etat": "pas pertinent", "note": "", "_json": "1"})
    assert response.status_code == 403
    assert triage_row(veille_db, session) is None


def test_volunteer_triage_is_recorded_and_hides_the_session(datasette, veille_db):
    http, session = logged_in(datasette), sid(BD26, "a-trier")
    assert triage(http, datasette, session, "pas pertinent", "hors sujet")["ok"]
    row = triage_row(veille_db, session)
    assert (row["state"], row["note"], row["by"]) == ("pas pertinent", "hors sujet", VOLUNTEER)
    assert abs(datetime.fromisoformat(row["at"]) - datetime.now(PARIS)) < timedelta(minutes=5)
    assert "Mots de passe et vie privée" not in titles(rows(datasette, "prochaines_sessions"))
    assert session not in calendar(datasette)
    assert "Mots de passe et vie privée" not in titles(rows(datasette, "carte"))

    assert triage(http, datasette, session, "a contacter")["ok"]  # accents optional
    assert triage_row(veille_db, session)["state"] == "à contacter"
    back = {r["session_id"]: r for r in rows(datasette, "prochaines_sessions")}[session]
    assert back["tri"] == "à contacter" and back["note_tri"] is None


@pytest.mark.parametrize("session, state", [(sid(BD26, "a-trier"), "peut-être"), ("pas-une-session", "inscrit")])
def test_triage_refuses_unknown_state_or_session(datasette, veille_db, session, state):
    answer = triage(logged_in(datasette), datasette, session, state)
    assert not answer["ok"] and answer["message"].startswith("Tri refusé")
    assert triage_row(veille_db, "pas-une-session") is None


def test_triage_survives_a_new_crawl_and_a_rematch(datasette, veille_db):
    session = sid(BD35, "pas-pertinent")
    store = Store(veille_db)
    run_id = store.start_run("test")
    for source, items in catalogue(first_run=False):
        store.save_source(run_id, source, items, {"pages": 1, "items": len(items), "errors": []})
    store.save_matches({session: relevant("« vie privée » dans le titre", 99)})
    assert triage_row(veille_db, session)["state"] == "pas pertinent"
    assert "Vie privée des usagers : atelier" not in titles(rows(datasette, "prochaines_sessions"))


def test_the_organisers_facts_give_what_the_first_view_computed(datasette, veille_db):
    """After three crawls, triage in Datasette and a re-crawl (the tests above), the view over the
    stored facts says what schema v3's view, reading every session, says."""
    conn = sqlite3.connect(veille_db)
    order = " order by source_id, organiser"
    now = conn.execute(f"select * from organisers{order}").fetchall()
    first = conn.execute(f"select * from ({ORGANISERS_VIEW_V3}){order}").fetchall()
    assert len(now) == 5 and [row[:-2] for row in now] == [row[:-2] for row in first]
    assert [row[-2:] for row in now] == [pytest.approx(row[-2:]) for row in first]  # average coordinates


# --- a fresh install ------------------------------------------------------------------
@pytest.fixture(scope="module")
def empty_datasette(tmp_path_factory, password_hash):
    """Datasette on a database the store has just created: no source, no session yet."""
    db = tmp_path_factory.mktemp("empty") / "veille.db"
    Store(db)
    server = DatasetteProcess(db, {"VEILLE_PASSWORD_HASH_BENEVOLE": password_hash})
    yield server
    server.stop()


@pytest.mark.parametrize("name", sorted(name for name, query in QUERIES.items() if not query.get("write")))
def test_every_list_answers_on_an_empty_database(empty_datasette, name):
    assert rows(empty_datasette, name, recherche="vie privée", territoire="35", session_id="x") == []


def test_feeds_answer_empty_on_an_empty_database(empty_datasette):
    assert calendar(empty_datasette) == {} and calendar(empty_datasette, territoire="35") == {}
    feed = atom(empty_datasette)
    assert feed.feed.title == "Nouvelles sessions sur la vie privée" and feed.entries == []


# --- the real demo database -----------------------------------------------------------
@pytest.fixture(scope="module")
def demo_datasette(tmp_path_factory, password_hash):
    """Datasette on the database `veille demo` builds by crawling the bundled sites."""
    db = tmp_path_factory.mktemp("demo") / "veille.db"
    demo = subprocess.run([sys.executable, "-m", "crawler", "demo", "--no-serve", "--db", str(db),
                           "-s", "VEILLE_TODAY=2026-11-25"], cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert demo.returncode == 0, demo.stderr[-3000:]
    server = DatasetteProcess(db, {"VEILLE_PASSWORD_HASH_BENEVOLE": password_hash})
    yield server
    server.stop()


@pytest.mark.parametrize("name", sorted(name for name, query in QUERIES.items() if not query.get("write")))
def test_every_list_answers_on_the_demo_database(demo_datasette, name):
    rows(demo_datasette, name, recherche="vie privée", territoire="26", session_id="x")


def test_demo_feeds_agree_with_the_upcoming_list(demo_datasette):
    upcoming = rows(demo_datasette, "prochaines_sessions")
    assert [r["date"] for r in upcoming] == sorted(r["date"] for r in upcoming)
    assert all(r["pourquoi"] and r["score"] for r in upcoming)
    events = calendar(demo_datasette)
    assert sessions_of(events) == {r["session_id"] for r in upcoming}
    for event in events.values():
        start = event.decoded("DTSTART")
        assert type(start) is date or str(start.tzinfo) == "Europe/Paris"  # noqa: E721
    assert len(atom(demo_datasette).entries) == min(len(upcoming), 50)
    data = requests.get(f"{demo_datasette.url}/veille/sessions.json", params={"_search": "donnees personnelles"}, timeout=10).json()
    assert data["rows"], "the demo calendars speak of « données personnelles »"


def test_demo_session_in_several_parts_shows_its_four_days(demo_datasette):
    """The Joomla BD's « les 22 et 23 mars puis les 12 et 13 avril 2027 »: one session with its
    four days. It is about running a library, not privacy: in the table, not in the feeds."""
    [course] = requests.get(f"{demo_datasette.url}/veille/sessions.json", timeout=10, params={
        "title": "Formation initiale : faire fonctionner une bibliothèque au quotidien", "_shape": "array"}).json()
    assert [part["start"] for part in json.loads(course["occurrences"])] == [
        "2027-03-22", "2027-03-23", "2027-04-12", "2027-04-13"]
    page = requests.get(f"{demo_datasette.url}/veille/sessions/{course['id']}", timeout=10).text
    assert "22 et 23 mars, 12 et 13 avril 2027" in page
    assert course["id"] not in sessions_of(calendar(demo_datasette))
    assert course["id"] not in {r["session_id"] for r in rows(demo_datasette, "prochaines_sessions")}

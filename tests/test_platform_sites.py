"""The platform families crawled for real over HTTP: ABF national site, WordPress (feed and REST),
The Events Calendar, OpenAgenda, schema.org library portal and Drupal (issues 3 and 4).

The six sites are written by tests/fixtures/make_platform_sites.py; each has an expected.json.
One ``veille crawl`` runs for the whole module, under the frozen date 2026-11-25.
"""
import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ROOT
from crawl_helpers import crawl, rows, write_sources
from crawler.sites import serve_sites

SITES = ROOT / "tests" / "fixtures" / "sites"
SITE_NAMES = ["abf-national", "wp-rest", "tribe-site", "openagenda", "jsonld-events", "drupal"]
# source id -> (site, start path, extra source fields)
SOURCES = {
    "abf-national": ("abf-national", "/", {"kind": "abf"}),
    "wp-rest": ("wp-rest", "/", {}),
    "wp-rest-api": ("wp-rest", "/wp-json/wp/v2/posts", {}),
    "tribe-api": ("tribe-site", "/wp-json/tribe/events/v1/events", {}),
    "tribe-list": ("tribe-site", "/events/list/", {}),
    "openagenda": ("openagenda", "/v2/agendas/51843210/events?detailed=1", {}),
    "openagenda-event": ("openagenda", "/v2/agendas/51843210/events/7201012", {"format": "openagenda"}),
    "openagenda-ics": ("openagenda", "/agendas/51843210/events.v2.ics", {}),
    "jsonld-events": ("jsonld-events", "/agenda", {}),
    "drupal": ("drupal", "/formations", {}),
    "drupal-taxonomy": ("drupal", "/taxonomy/term/12", {"format": "html"}),
    "drupal-related": ("drupal", "/node/352", {}),
}

@dataclass
class Crawl:
    db: Path
    requests: dict  # site name -> paths the server was asked for
    seconds: float


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("platforms")
    db = tmp / "veille.db"
    with serve_sites(SITE_NAMES) as servers:
        entries = [{"id": source_id, "name": f"Fixture {source_id}", "url": servers[site].url + path, **extra}
                   for source_id, (site, path, extra) in SOURCES.items()]
        sources = write_sources(tmp / "sources.yml", entries)
        began = time.monotonic()
        result = crawl(sources, db)
        seconds = time.monotonic() - began
        requests = {name: list(server.requests) for name, server in servers.items()}
    assert result.returncode == 0, result.stderr[-3000:]
    return Crawl(db, requests, seconds)


def expected(site):
    return json.loads((SITES / site / "expected.json").read_text(encoding="utf-8"))


def sessions(crawled, source_id):
    return rows(crawled.db, "select s.*, m.relevant from sessions s left join matches m on m.session_id = s.id "
                            "where s.source_id = ?", [source_id])


def strategies(crawled, source_id):
    [run] = rows(crawled.db, "select strategy from source_runs where source_id = ?", [source_id])
    return set((run["strategy"] or "").split(","))


def keys(entries):
    """(title, start) of each session, duplicates kept: a session found twice shows twice."""
    return sorted((e["title"], e["start"]) for e in entries)


def assert_fields(found, wanted, fields=("end", "status", "place")):
    by_key = {(s["title"], s["start"]): s for s in found}
    for e in wanted:
        s = by_key[(e["title"], e["start"])]
        for name in fields:
            assert s[name] == e[name], (e["title"], name)
        if "occurrences" in e:
            assert json.loads(s["occurrences"]) == e["occurrences"], e["title"]


def test_the_crawl_is_fast(crawled):
    assert crawled.seconds < 30


@pytest.mark.parametrize("source_id, site", [
    ("abf-national", "abf-national"),
    ("wp-rest", "wp-rest"),
    ("tribe-api", "tribe-site"),
    ("openagenda", "openagenda"),
    ("jsonld-events", "jsonld-events"),
    ("drupal", "drupal"),
])
def test_each_site_gives_exactly_its_expected_sessions(crawled, source_id, site):
    found, wanted = sessions(crawled, source_id), expected(site)
    assert keys(found) == keys(wanted)
    assert_fields(found, wanted)


@pytest.mark.parametrize("source_id, site", [
    ("abf-national", "abf-national"), ("wp-rest", "wp-rest"), ("tribe-api", "tribe-site"),
    ("openagenda", "openagenda"), ("jsonld-events", "jsonld-events"), ("drupal", "drupal"),
])
def test_privacy_sessions_are_the_relevant_ones(crawled, source_id, site):
    relevant = {(s["title"], s["start"]): bool(s["relevant"]) for s in sessions(crawled, source_id)}
    assert {(e["title"], e["start"]): relevant.get((e["title"], e["start"])) for e in expected(site)} == \
        {(e["title"], e["start"]): e["privacy"] for e in expected(site)}


@pytest.mark.parametrize("source_id, wanted", [
    ("abf-national", {"html:text", "html:list", "html:report", "html:legal"}),
    ("wp-rest", {"alternate", "feed"}),
    ("wp-rest-api", {"wp-rest"}),
    ("tribe-api", {"tribe-api"}),
    ("tribe-list", {"tribe-html"}),
    ("openagenda", {"openagenda"}),
    ("openagenda-event", {"openagenda"}),
    ("openagenda-ics", {"ics"}),
    ("jsonld-events", {"jsonld", "html:list"}),
    ("drupal", {"html:list", "html:text", "html:report"}),
    ("drupal-taxonomy", {"html:list", "html:text"}),
])
def test_strategy_recorded_per_source(crawled, source_id, wanted):
    assert strategies(crawled, source_id) == wanted


# --- abf-national -------------------------------------------------------------------------------

def test_abf_national_finds_every_announcement_with_its_fields(crawled):
    found, wanted = sessions(crawled, "abf-national"), expected("abf-national")
    assert {(e["title"], e["start"]) for e in wanted} <= set(keys(found))
    assert_fields(found, wanted)


def test_abf_national_old_pagination_noise_gives_no_duplicate(crawled):
    assert "/2/699/3371/ABF-Region/journee-d-etude-bibliotheques-et-protection-des-donnees-des-usagers?p=5&p2=1&p3=0" \
        in crawled.requests["abf-national"]  # the noisy link was really reached
    titles = [s["title"] for s in sessions(crawled, "abf-national")]
    assert titles.count("Journée d'étude : bibliothèques et protection des données des usagers") == 1


def test_abf_national_login_link_is_refused_by_robots(crawled):
    assert not any(path.startswith("/espace-adherent/connexion") for path in crawled.requests["abf-national"])
    errors = rows(crawled.db, "select url, kind from crawl_errors where source_id = 'abf-national'")
    assert any(e["kind"] == "robots" and "/espace-adherent/connexion" in e["url"] for e in errors)


def test_abf_national_member_area_is_never_fetched(crawled):
    # Regression: canonical_url once stripped the slash, so /espace-adherent/ was fetched as
    # /espace-adherent, which "Disallow: /espace-adherent/" does not cover.
    assert not any(path.startswith("/espace-adherent") for path in crawled.requests["abf-national"])
    assert "Espace adhérent" not in {s["title"] for s in sessions(crawled, "abf-national")}


def test_abf_minutes_and_legal_page_are_read_but_give_no_session(crawled):
    """Minutes (CR du CA) are reports: "Journée IUT 17/03/2027" inside them is not announced as a session
    (current behaviour, pinned: the report classifier wins over dates in the text)."""
    read = crawled.requests["abf-national"]
    assert "/2/699/3359/ABF-Region/cr-ca-abf-aquitaine-6-novembre-2026" in read
    assert "/29/788/3383/ABF-Region/cr-du-ca-du-13-octobre-2026" in read
    assert "/1/148/0/ABF/donnees-personnelles" in read
    found = sessions(crawled, "abf-national")
    assert not any("/cr-" in s["url"] or "donnees-personnelles" in s["url"] for s in found)
    assert not any(s["start"].startswith(("2027-03-17", "2027-04-10", "2027-01-12")) for s in found)


# --- WordPress ----------------------------------------------------------------------------------

def test_wordpress_blog_is_read_through_its_feed_and_skips_the_report_post(crawled):
    assert "/feed/" in crawled.requests["wp-rest"]
    assert not any("retour-sur-la-journee" in s["url"] for s in sessions(crawled, "wp-rest"))


def test_wordpress_rest_posts_give_the_same_sessions_as_the_feed(crawled):
    assert keys(sessions(crawled, "wp-rest-api")) == keys(expected("wp-rest"))


# --- The Events Calendar ------------------------------------------------------------------------

def test_tribe_api_follows_a_relative_next_rest_url(crawled):
    assert "/wp-json/tribe/events/v1/events/?page=2" in crawled.requests["tribe-site"]
    assert {s["uid"] for s in sessions(crawled, "tribe-api")} == {"2101", "2104", "2110", "2113", "2118", "2122"}


def test_tribe_list_view_gives_the_same_sessions_as_the_api(crawled):
    found, wanted = sessions(crawled, "tribe-list"), expected("tribe-site")
    assert "/events/list/page/2/" in crawled.requests["tribe-site"]
    assert keys(found) == keys(wanted)
    assert_fields(found, wanted, fields=("status", "place"))
    assert_fields(found, [e for e in wanted if "T" in e["start"]], fields=("end",))


# --- OpenAgenda ---------------------------------------------------------------------------------

def test_openagenda_follows_the_after_cursor_until_an_empty_page(crawled):
    api = [path for path in crawled.requests["openagenda"] if path.startswith("/v2/agendas/51843210/events?")]
    assert len(api) == 3
    assert sum("after%5B%5D=7201024" in path for path in api) == 1


def test_openagenda_single_event_with_explicit_format(crawled):
    [found] = sessions(crawled, "openagenda-event")
    [wanted] = [e for e in expected("openagenda") if e.get("occurrences")]
    assert (found["title"], found["start"], found["end"]) == (wanted["title"], wanted["start"], wanted["end"])
    assert json.loads(found["occurrences"]) == wanted["occurrences"]


def test_openagenda_ics_export_gives_one_session_per_timing(crawled):
    found, wanted = sessions(crawled, "openagenda-ics"), expected("openagenda")
    timings = [(e["title"], o["start"]) for e in wanted for o in e.get("occurrences") or [e]]
    assert keys(found) == sorted(timings)
    cancelled = {s["title"] for s in found if s["status"] == "cancelled"}
    assert cancelled == {e["title"] for e in wanted if e["status"] == "cancelled"}


# --- Drupal -------------------------------------------------------------------------------------

def test_drupal_multi_part_session_is_one_session_with_four_occurrences(crawled):
    [found] = [s for s in sessions(crawled, "drupal") if s["title"] == "Formation de base : gérer une petite bibliothèque"]
    occurrences = json.loads(found["occurrences"])
    assert [o["start"] for o in occurrences] == ["2027-03-21", "2027-03-22", "2027-04-11", "2027-04-12"]


def test_drupal_report_node_gives_no_session(crawled):
    assert "/node/349" in crawled.requests["drupal"]
    found = sessions(crawled, "drupal")
    assert not any(s["url"].endswith("/node/349") or s["start"].startswith("2027-10-07") for s in found)


def test_drupal_taxonomy_list_gives_its_nodes(crawled):
    term = {"Protéger sa vie privée en ligne : accompagner les usagers",  # nodes 345 and 347, term "Numérique"
            "Les données des usagers : RGPD et logiciel de bibliothèque"}
    wanted = [e for e in expected("drupal") if e["title"] in term]
    found = sessions(crawled, "drupal-taxonomy")
    assert keys(found) == keys(wanted)
    assert_fields(found, wanted)


def test_drupal_node_with_a_related_formations_block_gives_its_own_session(crawled):
    assert [(s["title"], s["start"]) for s in sessions(crawled, "drupal-related")] == \
        [("Valoriser le fonds local", "2027-05-20T09:30:00+02:00")]

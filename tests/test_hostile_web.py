"""The hostile web: one crawl of every fault the fault server serves, next to two healthy sites.

The crawl must finish in bounded time, store every healthy session, write one error row per
fault naming its source, URL and cause, never ask for a path robots.txt forbids, never leave
a source's site, and stop an endless calendar at its page budget.
"""
import json
import time

import pytest
from scrapy.http import HtmlResponse, Request

from conftest import ROOT
from crawl_helpers import crawl, rows, spider_for, write_sources
from crawler import settings as production
from crawler.extractors import detect
from crawler.sites import SiteServer
from fault_server import CHARSET_TITLES, FAULTS, FORBIDDEN_PREFIX, FaultServer

TIMEOUT, RETRIES, BUDGET = 2, 1, 8
TIME_BOUND = 60  # seconds; the slowest fault (no answer) costs TIMEOUT * (RETRIES + 1)
# fault -> the kind of its one error row
ERROR_KINDS = {
    "http-500": "http",
    "http-503": "http",
    "connection-reset": "connection",
    "no-answer": "timeout",
    "body-cut-short": "truncated",
    "huge-declared": "too-large",
    "huge-undeclared": "too-large",
    "zip-bomb": "too-large",
    "redirect-loop": "redirect-loop",
    "redirect-other-host": "offsite-redirect",
    "robots-forbidden": "robots",
    "broken-jsonld": "problem",
    "broken-ics": "unreadable",
    "broken-pdf": "unreadable",
    "endless-calendar": "budget",
}
# Faults where no page could be read: the source failed, and the run report says so.
FAILED = set(ERROR_KINDS) - {"broken-jsonld", "endless-calendar"}
AGENDA = ROOT / "tests" / "fixtures" / "sites" / "ics-agenda"
OWN_TITLES = {"Atelier : se protéger du pistage en ligne", "Permanence numérique : mots de passe"}


def own_site(folder, other_host: str):
    """A small healthy site: a home page announcing its iCalendar feed, and a partner's feed elsewhere.

    The partner's feed is a real link the extractors propose; the spider must not follow it.
    """
    folder.mkdir()
    (folder / "robots.txt").write_text("User-agent: *\nDisallow:\n")
    (folder / "index.html").write_text(
        '<html><head><title>Médiathèque</title>'
        '<link rel="alternate" type="text/calendar" href="/formations.ics">'
        f'<link rel="alternate" type="text/calendar" href="{other_host}/partenaire.ics">'
        "</head><body><h1>Bienvenue</h1></body></html>", encoding="utf-8")
    events = "".join(
        f"BEGIN:VEVENT\r\nUID:own-{i}@mediatheque.example\r\nDTSTART;VALUE=DATE:2027010{i + 4}\r\n"
        f"SUMMARY:{title}\r\nEND:VEVENT\r\n" for i, title in enumerate(sorted(OWN_TITLES)))
    (folder / "formations.ics").write_text(
        f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//FR\r\n{events}END:VCALENDAR\r\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    with FaultServer() as other, FaultServer(other_host=other.url) as faults:
        agenda, own = SiteServer(AGENDA).start(), SiteServer(own_site(tmp / "own", other.url)).start()
        try:
            entries = [{"id": name, "name": name, "url": faults.url + path} for name, path in FAULTS.items()]
            entries[list(FAULTS).index("endless-calendar")]["max_pages"] = BUDGET
            entries += [{"id": "agenda", "name": "Agence du livre", "url": f"{agenda.url}/agenda.ics"},
                        {"id": "own", "name": "Médiathèque", "url": f"{own.url}/"}]
            sources = write_sources(tmp / "sources.yml", entries)
            started = time.monotonic()
            # A small delay, not zero: see DOWNLOAD_DELAY in crawler/settings.py.
            result = crawl(sources, tmp / "veille.db", "-s", f"DOWNLOAD_TIMEOUT={TIMEOUT}",
                           "-s", f"RETRY_TIMES={RETRIES}", "-s", "DOWNLOAD_DELAY=0.05")
            elapsed = time.monotonic() - started
        finally:
            agenda.stop()
            own.stop()
    assert result.returncode == 0, result.stderr[-3000:]
    return {"db": tmp / "veille.db", "result": result, "elapsed": elapsed, "faults": faults, "other": other}


def errors_of(hostile, source_id):
    return rows(hostile["db"], "select url, kind, message from crawl_errors where source_id = ?", [source_id])


def test_crawl_ends_within_its_time_bound(hostile):
    assert hostile["elapsed"] < TIME_BOUND


def test_healthy_sites_sessions_are_all_stored(hostile):
    expected = json.loads((AGENDA / "expected.json").read_text(encoding="utf-8"))
    stored = rows(hostile["db"], "select title, start from sessions where source_id = 'agenda'")
    assert sorted((s["title"], s["start"]) for s in stored) == sorted((e["title"], e["start"]) for e in expected)
    own = rows(hostile["db"], "select title from sessions where source_id = 'own'")
    assert {s["title"] for s in own} == OWN_TITLES
    assert errors_of(hostile, "agenda") == errors_of(hostile, "own") == []


@pytest.mark.parametrize("fault", sorted(ERROR_KINDS))
def test_each_fault_is_one_error_row_naming_url_and_cause(hostile, fault):
    errors = errors_of(hostile, fault)
    assert [e["kind"] for e in errors] == [ERROR_KINDS[fault]], errors
    host = hostile["other"].url if fault == "redirect-other-host" else hostile["faults"].url
    assert errors[0]["url"].startswith(host + "/")
    assert errors[0]["message"]


def test_error_messages_say_what_a_maintainer_needs(hostile):
    assert errors_of(hostile, "http-503")[0]["message"] == "HTTP 503, Retry-After 120"
    assert hostile["other"].url in errors_of(hostile, "redirect-other-host")[0]["message"]
    assert "DOWNLOAD_MAXSIZE" in errors_of(hostile, "zip-bomb")[0]["message"]


def test_run_report_names_the_failed_sources(hostile):
    report = json.loads(rows(hostile["db"], "select report from crawl_runs")[0]["report"])
    failed = {sid for sid, source in report["sources"].items() if source["outcome"] == "failed"}
    assert failed == FAILED
    for source_id in FAILED:
        assert f"[{source_id}]" in hostile["result"].stdout


@pytest.mark.parametrize("fault", sorted(CHARSET_TITLES))
def test_text_in_a_wrong_or_missing_charset_is_read_right(hostile, fault):
    assert errors_of(hostile, fault) == []
    titles = rows(hostile["db"], "select title from sessions where source_id = ?", [fault])
    assert [s["title"] for s in titles] == [CHARSET_TITLES[fault]]


def test_robots_forbidden_path_is_never_requested(hostile):
    paths = hostile["faults"].paths
    assert paths.count("/robots.txt") == 1
    assert not [p for p in paths if p.startswith(FORBIDDEN_PREFIX)]


def test_no_request_ever_leaves_a_sources_site(hostile):
    # Neither the 302 to another host nor the partner's feed the own site announces.
    assert hostile["other"].paths == []


def test_endless_calendar_stops_at_its_page_budget(hostile):
    assert len([p for p in hostile["faults"].paths if p.startswith("/agenda/")]) == BUDGET
    run = rows(hostile["db"], "select finish_reason from source_runs where source_id = 'endless-calendar'")
    assert run == [{"finish_reason": "page budget reached"}]


def test_redirect_loop_and_retries_are_bounded(hostile):
    paths = hostile["faults"].paths
    assert len([p for p in paths if p.startswith("/loop-")]) == production.REDIRECT_MAX_TIMES + 1
    assert paths.count("/http-500") == RETRIES + 1
    assert paths.count("/http-503") == 1  # Retry-After: not asked again in the same crawl


def test_politeness_seen_from_the_server(hostile):
    faults = hostile["faults"]
    assert faults.max_in_flight == 2  # pages were served two at a time, never more
    (agent,) = faults.user_agents
    assert agent.startswith("veille-formations/") and "+https://" in agent


def test_production_settings_are_polite_and_bounded():
    assert production.ROBOTSTXT_OBEY and production.AUTOTHROTTLE_ENABLED
    assert production.CONCURRENT_REQUESTS_PER_DOMAIN <= 2
    assert production.DOWNLOAD_DELAY > 0
    assert 0 < production.DOWNLOAD_TIMEOUT <= 60 and 0 < production.RETRY_TIMES <= 3
    assert 0 < production.DOWNLOAD_MAXSIZE <= 50 * 1024 * 1024
    assert "+https://" in production.USER_AGENT


def test_an_extractor_crash_costs_one_page_and_says_so(tmp_path, monkeypatch):
    """A bug in an extractor (ics.py raised ZoneInfoNotFoundError on a misspelt time zone) is an
    error row naming the page, not a traceback in the log and a source failed without a word."""
    sources = write_sources(tmp_path / "sources.yml", [{"id": "bd07", "name": "BD", "url": "http://127.0.0.1:9/agenda"}])
    spider = spider_for(sources)

    def crash(*args, **kwargs):
        raise KeyError("Europe.Paris")

    monkeypatch.setattr(detect, "extract", crash)
    url = "http://127.0.0.1:9/agenda"
    assert list(spider.parse(HtmlResponse(url, body=b"<html></html>", request=Request(url)), source_id="bd07")) == []
    run = spider.runs["bd07"]
    assert run.errors == [{"url": url, "kind": "extractor-bug", "message": "KeyError: 'Europe.Paris'"}]
    assert run.failed  # the page was not read: the source's stored sessions stay as they were

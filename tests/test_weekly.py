"""``veille weekly`` end to end: real crawls of loopback sites, alerts to a real SMTP server and webhook."""
import json
import subprocess
import sys

import pytest
import yaml

from conftest import ROOT
from crawl_helpers import FAST, TODAY, copy_site, edit, write_sources
from crawler.sites import SiteServer
from crawler.alerts import health_problems
from crawler.store import Store
from crawler.weekly import exclusive_lock
from smtp_helpers import SmtpServer, WebhookServer

EXPECTED = {name: json.loads((ROOT / "tests" / "fixtures" / "sites" / name / "expected.json").read_text("utf-8"))
            for name in ("ics-agenda", "bd-joomla")}


def weekly(sources, db, config):
    return subprocess.run(
        [sys.executable, "-m", "crawler", "weekly", "--sources", str(sources), "--db", str(db), "--config", str(config),
         "-s", f"VEILLE_TODAY={TODAY}", *FAST], cwd=ROOT, capture_output=True, text=True, timeout=240)


@pytest.fixture()
def setup(tmp_path):
    agenda = copy_site("ics-agenda", tmp_path / "agenda")
    servers = {"agenda": SiteServer(agenda).start(), "joomla": SiteServer(ROOT / "tests/fixtures/sites/bd-joomla").start()}
    smtp, hook = SmtpServer().start(), WebhookServer().start()
    sources = write_sources(tmp_path / "sources.yml", [
        {"id": "agenda-63", "name": "Agence du livre", "kind": "other", "departement": "63",
         "url": f"{servers['agenda'].url}/agenda.ics"},
        {"id": "bd-26", "name": "Médiathèque départementale du Val-de-Lys", "kind": "bd", "departement": "26",
         "url": f"{servers['joomla'].url}/formations/s-inscrire"},
    ])
    config = tmp_path / "alerts.yml"
    config.write_text(yaml.safe_dump({"datasette_url": "http://127.0.0.1:8001", "subscribers": [
        {"name": "puy-de-dome", "urls": [smtp.url("clermont@example.org")], "departements": ["63"]},
        {"name": "drome", "urls": [hook.url()], "departements": ["26"]},
    ]}), encoding="utf-8")
    yield {"sources": sources, "db": tmp_path / "veille.db", "config": config, "smtp": smtp, "hook": hook,
           "ics": agenda / "agenda.ics"}
    for server in (*servers.values(), smtp, hook):
        server.stop()


def privacy_titles(site):
    # Only sessions still to be told: cancelled ones are not announced as new.
    return {e["title"] for e in EXPECTED[site] if e["privacy"] and e["status"] != "cancelled"}


def test_weekly_tells_each_subscriber_once_then_only_what_changed(setup):
    first = weekly(setup["sources"], setup["db"], setup["config"])
    assert first.returncode == 0, first.stderr[-3000:]
    report = json.loads(first.stdout)
    assert sorted(report["alerts_sent"]) == ["drome", "puy-de-dome"] and report["sources_failed"] == 0

    [mail] = setup["smtp"].messages
    text = mail.get_body(("plain",)).get_content()
    assert all(title in text for title in privacy_titles("ics-agenda"))
    assert not any(e["title"] in text for e in EXPECTED["bd-joomla"])  # another département's sessions
    [post] = setup["hook"].posts
    body = post["json"]["message"]
    assert all(title in body for title in privacy_titles("bd-joomla"))
    assert not any(e["title"] in body for e in EXPECTED["ics-agenda"])

    second = weekly(setup["sources"], setup["db"], setup["config"])
    assert second.returncode == 0 and json.loads(second.stdout)["alerts_sent"] == []
    assert len(setup["smtp"].messages) == 1 and len(setup["hook"].posts) == 1

    edit(setup["ics"], "DTSTART;TZID=Europe/Paris:20270518T093000", "DTSTART;TZID=Europe/Paris:20270525T093000")
    edit(setup["ics"], "DTEND;TZID=Europe/Paris:20270518T163000", "DTEND;TZID=Europe/Paris:20270525T163000")
    third = weekly(setup["sources"], setup["db"], setup["config"])
    assert json.loads(third.stdout)["alerts_sent"] == ["puy-de-dome"]
    notice = setup["smtp"].messages[-1].get_body(("plain",)).get_content()
    assert "Cybersécurité en bibliothèque" in notice and "mardi 25 mai 2027" in notice
    assert "Bibliothèques et RGPD" not in notice  # told already, unchanged


def test_smtp_down_records_nothing_and_the_next_run_delivers(setup):
    setup["smtp"].stop()
    down = weekly(setup["sources"], setup["db"], setup["config"])
    assert json.loads(down.stdout)["alerts_failed"] == ["puy-de-dome"]
    setup["smtp"].start()
    up = weekly(setup["sources"], setup["db"], setup["config"])
    assert json.loads(up.stdout)["alerts_sent"] == ["puy-de-dome"]
    assert len(setup["smtp"].messages) == 1


def test_a_second_run_while_one_holds_the_lock_exits_with_a_clear_message(setup):
    with exclusive_lock(str(setup["db"])):
        result = weekly(setup["sources"], setup["db"], setup["config"])
    assert result.returncode != 0 and "another `veille weekly` is running" in result.stderr


def test_a_run_where_most_sources_failed_exits_non_zero(setup, tmp_path):
    dead = write_sources(tmp_path / "dead.yml", [
        {"id": "dead-1", "name": "Hors ligne", "url": "http://127.0.0.1:9/agenda.ics"},
        {"id": "dead-2", "name": "Hors ligne 2", "url": "http://127.0.0.1:9/formations"},
    ])
    result = weekly(dead, setup["db"], setup["config"])
    assert result.returncode != 0 and "2 of 2 sources failed" in result.stderr


def test_half_the_sources_failed_is_what_maintainers_are_told_and_exits_non_zero(setup, tmp_path):
    """One rule for both (failed_share 0.5 by default): at exactly half, the exit status said ok while
    the maintainers' digest reported the crawl."""
    half = write_sources(tmp_path / "half.yml", [
        yaml.safe_load(setup["sources"].read_text(encoding="utf-8"))["sources"][0],
        {"id": "dead-1", "name": "Hors ligne", "url": "http://127.0.0.1:9/agenda.ics"},
    ])
    result = weekly(half, setup["db"], setup["config"])
    assert result.returncode != 0 and "1 of 2 sources failed" in result.stderr
    [problem] = health_problems(Store(setup["db"]).db)
    assert problem.problem == "1 sources sur 2 en échec"

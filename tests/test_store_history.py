"""A database that remembers: a site changes between crawls and the store keeps ids and history."""
import pytest

from crawl_helpers import copy_site, crawl, edit, read, rows, write, write_sources
from crawler.sites import SiteServer

RGPD = "ara-2026-12-08-rgpd@livre-occitalpes.example"


def remove_event(path, uid):
    text = read(path)
    start = text.index(f"UID:{uid}")
    begin = text.rindex("BEGIN:VEVENT", 0, start)
    end = text.index("END:VEVENT\r\n", start) + len("END:VEVENT\r\n")
    write(path, text[:begin] + text[end:])


@pytest.fixture()
def history(tmp_path):
    """Crawl the agenda, change it, crawl twice more; the second source announces a duplicate."""
    site = copy_site("ics-agenda", tmp_path / "agenda")
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "robots.txt").write_text("User-agent: *\nDisallow:\n")
    servers = [SiteServer(site).start(), SiteServer(mirror).start()]
    sources = write_sources(tmp_path / "sources.yml", [
        {"id": "agenda", "name": "Agence régionale du livre", "url": f"{servers[0].url}/agenda.ics"},
        {"id": "mirror", "name": "Réseau des médiathèques", "url": f"{servers[1].url}/cal.ics"},
    ])
    db = tmp_path / "veille.db"
    ics = site / "agenda.ics"
    # The mirror announces the Riom café too, worded differently.
    write(mirror / "cal.ics", read(ics).replace("UID:ara-", "UID:mirror-ara-").replace(
        "Café numérique : traceurs, cookies et applis espionnes",
        "Café numérique - traceurs, cookies et applis espionnes !"))
    runs = {}
    try:
        runs["first"] = crawl(sources, db)
        ids_before = {r["uid"]: r["id"] for r in rows(db, "select uid, id from sessions")}
        edit(ics, "DTSTART;TZID=Europe/Paris:20270112T093000", "DTSTART;TZID=Europe/Paris:20270119T093000")
        edit(ics, "DTEND;TZID=Europe/Paris:20270112T170000", "DTEND;TZID=Europe/Paris:20270119T170000")
        edit(ics, "SUMMARY:Construire son budget d'acquisition", "SUMMARY:Construire et défendre son budget d'acquisition")
        text = read(ics)
        rgpd = text.index(f"UID:{RGPD}")
        write(ics, text[:rgpd] + text[rgpd:].replace("STATUS:CONFIRMED", "STATUS:CANCELLED", 1))
        remove_event(ics, "ara-2027-05-18-cyber@livre-occitalpes.example")
        runs["second"] = crawl(sources, db)
        gone_after_one_miss = rows(db, "select gone from sessions where uid like 'ara-2027-05-18%'")[0]["gone"]
        runs["third"] = crawl(sources, db)
    finally:
        for server in servers:
            server.stop()
    for name, result in runs.items():
        assert result.returncode == 0, (name, result.stderr[-2000:])
    return db, ids_before, gone_after_one_miss


def test_ids_survive_date_title_and_status_changes(history):
    db, ids_before, _ = history
    ids_after = {r["uid"]: r["id"] for r in rows(db, "select uid, id from sessions")}
    assert ids_after == ids_before


def test_each_change_is_in_session_changes(history):
    db, _, _ = history
    changes = {(r["uid"], r["field"], r["old_value"], r["new_value"]) for r in rows(
        db, "select s.uid, c.field, c.old_value, c.new_value from session_changes c join sessions s on s.id = c.session_id")}
    assert ("ara-2027-01-12-albums@livre-occitalpes.example", "start",
            "2027-01-12T09:30:00+01:00", "2027-01-19T09:30:00+01:00") in changes
    assert (RGPD, "status", "scheduled", "cancelled") in changes
    assert ("ara-2027-03-02-budget@livre-occitalpes.example", "title", "Construire son budget d'acquisition",
            "Construire et défendre son budget d'acquisition") in changes
    assert len(changes) == 4  # albums start and end, budget title, RGPD status: nothing else moved


def test_removed_session_is_gone_only_after_two_missing_crawls(history):
    db, _, gone_after_one_miss = history
    assert gone_after_one_miss == 0
    removed = rows(db, "select gone, status from sessions where uid like 'ara-2027-05-18%'")[0]
    assert removed == {"gone": 1, "status": "scheduled"}  # gone, never called cancelled


def test_cross_source_duplicate_shares_a_cluster(history):
    db, _, _ = history
    cafe = rows(db, "select source_id, cluster_id from sessions where title like 'Café numérique%'")
    assert {r["source_id"] for r in cafe} == {"agenda", "mirror"}
    assert len({r["cluster_id"] for r in cafe}) == 1
    others = rows(db, "select count(distinct cluster_id) n from sessions where source_id = 'agenda'")[0]["n"]
    assert others == rows(db, "select count(*) n from sessions where source_id = 'agenda'")[0]["n"]

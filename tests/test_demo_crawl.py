"""The bundled demo, crawled for real over HTTP: exact sessions, stable ids, no duplicates."""
import json
import sqlite3
import subprocess
import sys

import pytest

from conftest import ROOT

SITES = ROOT / "tests" / "fixtures" / "sites"
TODAY = "2026-11-25"  # frozen clock: the demo sites' dates are read relative to this day
DEMO_SITES = {"demo-bd-joomla": "bd-joomla", "demo-abf-blog": "abf-blog", "demo-ics-agenda": "ics-agenda",
              "demo-bd-pdf": "bd-pdf"}


def run_demo(db):
    return subprocess.run(
        [sys.executable, "-m", "crawler", "demo", "--no-serve", "--db", str(db), "-s", f"VEILLE_TODAY={TODAY}"],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )


def sessions(db):
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    return [dict(r) for r in conn.execute(
        "select s.*, m.relevant, m.score, m.terms from sessions s left join matches m on m.session_id = s.id")]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("demo") / "veille.db"
    first = run_demo(db)
    assert first.returncode == 0, first.stderr[-3000:]
    return db, first


def test_demo_prints_a_summary(demo_db):
    _, result = demo_db
    assert "Sources crawled: 4 (0 failed)" in result.stdout
    assert "Next relevant sessions:" in result.stdout
    assert "pourquoi" in result.stdout


@pytest.mark.parametrize("source_id", sorted(DEMO_SITES))
def test_each_site_gives_exactly_its_expected_sessions(demo_db, source_id):
    db, _ = demo_db
    expected = json.loads((SITES / DEMO_SITES[source_id] / "expected.json").read_text(encoding="utf-8"))
    found = [s for s in sessions(db) if s["source_id"] == source_id]
    assert sorted((s["title"], s["start"]) for s in found) == sorted((e["title"], e["start"]) for e in expected)
    by_key = {(s["title"], s["start"]): s for s in found}
    for e in expected:
        s = by_key[(e["title"], e["start"])]
        assert s["end"] == e["end"], e["title"]
        assert s["status"] == e["status"], e["title"]
        if e.get("place"):
            assert s["place"] == e["place"], e["title"]


def test_privacy_sessions_are_the_relevant_ones(demo_db):
    db, _ = demo_db
    expected = {(e["title"], e["start"]): e["privacy"] for site in DEMO_SITES.values()
                for e in json.loads((SITES / site / "expected.json").read_text(encoding="utf-8"))}
    relevant = {(s["title"], s["start"]): bool(s["relevant"]) for s in sessions(db)}
    assert relevant == expected


def test_relevant_sessions_keep_their_evidence(demo_db):
    db, _ = demo_db
    for s in sessions(db):
        if s["relevant"]:
            terms = json.loads(s["terms"])
            assert terms and all({"concept", "field", "text"} <= set(t) for t in terms), s["title"]


def test_second_run_gives_same_ids_and_no_duplicates(demo_db, tmp_path):
    db, _ = demo_db
    before = sorted(s["id"] for s in sessions(db))
    again = run_demo(db)
    assert again.returncode == 0, again.stderr[-3000:]
    after = sorted(s["id"] for s in sessions(db))
    assert after == before
    assert len(set(after)) == len(after)
    conn = sqlite3.connect(db)
    run = conn.execute("select sessions_new, sessions_changed, sessions_gone from crawl_runs order by id desc").fetchone()
    assert run == (0, 0, 0)


def test_demo_into_a_fresh_database_gives_the_same_ids(demo_db, tmp_path):
    db, _ = demo_db
    other = tmp_path / "x.db"
    assert run_demo(other).returncode == 0
    assert sorted(s["id"] for s in sessions(other)) == sorted(s["id"] for s in sessions(db))


def test_outreach_ranks_first_the_organiser_with_digital_mediation_and_no_privacy(demo_db):
    db, _ = demo_db
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    ranked = [dict(r) for r in conn.execute("select * from organisers order by rang_prospection, organiser")]
    first = ranked[0]
    assert first["organiser"] == "Réseau des médiathèques du Livradois"
    assert (first["sessions_mediation"], first["sessions_vie_privee"], first["rang_prospection"]) == (3, 0, 1)
    # Every other organiser of the demo teaches privacy already: it ranks after.
    assert all(r["sessions_vie_privee"] > 0 and r["rang_prospection"] > 1 for r in ranked[1:])

"""The store, one behaviour per test, on a fresh real SQLite file."""
import shutil
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from conftest import ROOT
from crawler.health import RECENT_RUNS
from crawler.rematch import rematch
from crawler.sources import Source
from crawler.store import SCHEMA_VERSION, Store

SOURCE = Source(id="bd-63", name="Médiathèque départementale du Puy-de-Dôme", kind="bd", departement="63",
                region="Auvergne-Rhône-Alpes", url="https://md.puy-de-dome.fr/formations")
OK = {"pages": 1, "items": 1, "errors": []}


def item(sid="a", **fields):
    return {
        "id": sid, "source_id": "bd-63", "uid": None, "title": "Protéger la vie privée des usagers",
        "description": "Atelier", "start": "2027-03-04T09:30:00+01:00", "end": None, "all_day": False,
        "occurrences": [], "place": "Riom", "organiser": SOURCE.name, "url": f"https://md.puy-de-dome.fr/{sid}",
        "status": "scheduled", "date_text": "4 mars 2027", "registration_deadline": None, "audience": None,
        "fetched_at": "2026-11-25T08:00:00+00:00",
        "match": {"score": 80.0, "relevant": True, "terms": [], "why": "", "keywords_version": "k1"}, **fields,
    }


@pytest.fixture()
def store(tmp_path):
    s = Store(tmp_path / "veille.db")
    s.sync_sources([SOURCE])
    return s


def save(store, items, health=OK):
    run = store.start_run()
    return store.save_source(run, SOURCE, items, health)


def test_database_is_in_wal_mode_with_a_busy_timeout(store):
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_full_text_search_ignores_accents(store):
    save(store, [item()])
    hits = store.db.execute("select rowid from sessions_fts where sessions_fts match 'privee'").fetchall()
    assert len(hits) == 1


def test_upsert_keeps_triage_and_first_seen(store):
    save(store, [item()])
    first_seen = store.db["sessions"].get("a")["first_seen"]
    store.db["triage"].insert({"session_id": "a", "state": "contacté", "note": "", "by": "alice", "at": "x"})
    counts = save(store, [item(description="Atelier pratique")])
    assert counts["changed"] == 0  # description is not a tracked field, but it is updated
    assert store.db["sessions"].get("a")["description"] == "Atelier pratique"
    assert store.db["sessions"].get("a")["first_seen"] == first_seen
    assert store.db["triage"].get("a")["state"] == "contacté"


def test_failed_crawl_changes_none_of_the_sources_sessions(store):
    save(store, [item()])
    failed = {"pages": 0, "items": 0, "failed": True,
              "errors": [{"url": SOURCE.url, "kind": "http", "message": "HTTP 503"}]}
    for _ in range(3):
        save(store, [], failed)
    row = store.db["sessions"].get("a")
    assert (row["gone"], row["missing_runs"]) == (0, 0)
    assert store.db["sources"].get("bd-63")["last_error"] == "HTTP 503"
    assert store.db["crawl_errors"].count == 3


def test_reappearing_session_comes_back(store):
    save(store, [item()])
    save(store, [])
    save(store, [])
    assert store.db["sessions"].get("a")["gone"] == 1
    save(store, [item()])
    assert store.db["sessions"].get("a")["gone"] == 0


def test_database_of_the_first_schema_upgrades_without_loss(tmp_path):
    db = tmp_path / "old.db"
    shutil.copy(ROOT / "tests" / "fixtures" / "veille-schema-v1.db", db)
    before = sqlite3.connect(db)
    tables = ("sessions", "matches", "triage", "alerts", "crawl_runs", "sources")
    counts = {t: before.execute(f"select count(*) from {t}").fetchone()[0] for t in tables}
    triage = before.execute("select * from triage").fetchall()
    before.close()
    store = Store(db)
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert {t: store.db[t].count for t in tables} == counts
    assert store.db.execute("select * from triage").fetchall() == triage
    assert store.db.execute("select count(*) from sessions_fts where sessions_fts match 'privee'").fetchone()[0] == 1


def health_of(store):
    return store.db.execute("select health from source_runs order by run_id desc limit 1").fetchone()[0]


def test_health_is_degraded_when_sessions_fall_by_more_than_half(store):
    save(store, [item(f"s{i}") for i in range(4)], {"pages": 1, "items": 4, "errors": []})
    assert health_of(store) == "ok"
    save(store, [item("s0")], {"pages": 1, "items": 1, "errors": []})
    assert health_of(store) == "degraded"


def test_health_is_degraded_when_a_field_suddenly_goes_missing(store):
    save(store, [item("a")], {"pages": 1, "items": 1, "errors": [], "missing_fields": {}})
    save(store, [item("a", place=None)], {"pages": 1, "items": 1, "errors": [], "missing_fields": {"place": 1}})
    assert health_of(store) == "degraded"


def health_and_problem(store):
    return store.db.execute("select health, problem from source_runs order by run_id desc limit 1").fetchone()


def test_a_source_stays_degraded_until_it_recovers_and_a_lasting_change_becomes_its_norm(store):
    save(store, [item(f"s{i}") for i in range(4)], {"pages": 1, "items": 4, "errors": []})
    first = store.db.execute("select max(run_id) from source_runs").fetchone()[0]
    for _ in range(RECENT_RUNS):  # compared with the healthy run, still among the last five
        save(store, [item("s0")], {"pages": 1, "items": 1, "errors": []})
        assert health_and_problem(store) == ("degraded", f"1 session au lieu de 4 (collecte n° {first})")
    save(store, [item("s0")], {"pages": 1, "items": 1, "errors": []})
    assert health_and_problem(store) == ("ok", None)


def test_a_failed_crawl_says_why_and_is_not_the_norm_of_the_next(store):
    save(store, [item("a"), item("b")], {"pages": 1, "items": 2, "errors": []})
    save(store, [], {"pages": 0, "items": 0, "failed": True,
                     "errors": [{"url": "https://x.test/agenda", "kind": "http", "message": "HTTP 503"}]})
    assert health_and_problem(store) == ("failed", "aucune page lisible : HTTP 503")
    save(store, [], {"pages": 1, "items": 0, "errors": []})
    assert health_and_problem(store)[1].startswith("aucune session au lieu de 2")


def test_a_field_missing_from_half_the_sessions_now_and_few_before_is_named(store):
    save(store, [item(f"s{i}") for i in range(10)], {"pages": 1, "items": 10, "errors": [], "missing_fields": {"place": 1}})
    save(store, [item(f"s{i}") for i in range(10)], {"pages": 1, "items": 10, "errors": [],
                                                     "missing_fields": {"place": 5, "url": 4}})
    assert health_and_problem(store) == ("degraded", "champs soudain absents : lieu (5 sur 10 sessions)")


def test_health_of_a_source_that_never_gave_sessions_is_empty_not_degraded(store):
    save(store, [], {"pages": 1, "items": 0, "errors": []})
    save(store, [], {"pages": 1, "items": 0, "errors": []})
    assert health_of(store) == "empty"


# --- the facts of « where to offer a workshop » (organisers) ---------------------------------
def organisers(store) -> dict[str, dict]:
    return {r["organiser"]: r for r in store.db.query("select * from organisers")}


def day(days: int) -> str:
    """The day ``days`` from today (UTC, as SQLite's date('now')), at 10:00 Paris winter time."""
    return f"{(datetime.now(timezone.utc).date() + timedelta(days)).isoformat()}T10:00:00+01:00"


MEDIATION = {"score": 0.0, "relevant": False, "terms": [], "why": "", "keywords_version": "k1",
             "theme": "médiation numérique"}


def test_organisers_follow_each_saved_source(store):
    save(store, [item("past", start=day(-30)), item("soon", start=day(10)),
                 item("tablettes", start=day(-5), title="Tablettes", organiser="Réseau de Riom", match=MEDIATION)])
    counts = organisers(store)
    mine = counts[SOURCE.name]
    assert (mine["sessions_12_mois"], mine["sessions_a_venir"], mine["sessions_vie_privee"]) == (1, 1, 2)
    assert counts["Réseau de Riom"]["sessions_mediation"] == 1 and counts["Réseau de Riom"]["rang_prospection"] == 1
    # The next crawl no longer sees « soon » and moves « past » into the future: the same transaction recounts.
    save(store, [item("past", start=day(20)), item("tablettes", start=day(-5), title="Tablettes",
                                                    organiser="Réseau de Riom", match=MEDIATION)])
    save(store, [item("past", start=day(20)), item("tablettes", start=day(-5), title="Tablettes",
                                                    organiser="Réseau de Riom", match=MEDIATION)])
    counts = organisers(store)[SOURCE.name]
    # « soon » is gone; « past » is now announced.
    assert (counts["sessions_12_mois"], counts["sessions_a_venir"], counts["sessions_vie_privee"]) == (0, 1, 1)
    assert counts["derniere_session_vie_privee"] == day(20)[:10]


def test_organisers_count_relative_to_the_day_they_are_read(store):
    save(store, [item("soon", start=day(10))])
    # A fact stored when its day was in the window, read after it left it (13 months later).
    store.db.execute("insert into organiser_days values (?, '', ?, 1, 1, 0, 0, 0, 0)",
                     [SOURCE.id, day(-400)[:10]])
    counts = organisers(store)[SOURCE.name]
    assert (counts["sessions_12_mois"], counts["sessions_a_venir"], counts["sessions_mediation"]) == (0, 1, 0)


def test_a_triage_pas_pertinent_recounts_the_organiser_at_once(store):
    save(store, [item("a", start=day(10)), item("b", start=day(10))])
    assert organisers(store)[SOURCE.name]["sessions_vie_privee"] == 2
    store.db["triage"].insert({"session_id": "a", "state": "pas pertinent", "by": "alice", "at": "x"})
    assert organisers(store)[SOURCE.name]["sessions_vie_privee"] == 1
    store.db.execute("update triage set state = 'inscrit' where session_id = 'a'")
    assert organisers(store)[SOURCE.name]["sessions_vie_privee"] == 2
    store.db.execute("update triage set state = 'pas pertinent' where session_id = 'a'")
    store.db.execute("delete from triage where session_id = 'a'")
    assert organisers(store)[SOURCE.name]["sessions_vie_privee"] == 2


def test_organisers_are_recounted_after_a_rematch(store, tmp_path):
    # Stored as « other » by an older vocabulary; the current keywords.yml sees privacy in its title.
    save(store, [item("a", start=day(10), match={**MEDIATION, "theme": "autre"})])
    assert organisers(store)[SOURCE.name]["sessions_vie_privee"] == 0
    changed, _ = rematch(str(tmp_path / "veille.db"), str(ROOT / "keywords.yml"))
    assert [c["id"] for c in changed] == ["a"]
    assert organisers(store)[SOURCE.name]["sessions_vie_privee"] == 1

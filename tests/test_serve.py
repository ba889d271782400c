"""``veille serve`` on a database file of any name: lists and feeds stay under /veille/."""
import json
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta

import pytest
import requests

from conftest import ROOT, free_port
from crawler.datasette_plugins.count_cache import DataVersionCache
from crawler.serve import MAX_RETURNED_ROWS, METADATA
from crawler.store import Store
from datasette_helpers import BD35, DatasetteProcess, item, paris, relevant, today


def test_serve_names_the_database_veille_whatever_its_file(tmp_path):
    db = tmp_path / "sauvegarde-2026.db"
    Store(db)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "crawler", "serve", "--db", str(db), "--port", str(port)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/veille/prochaines_sessions.json", timeout=5)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "veille serve did not answer"
                time.sleep(0.2)
        assert response.status_code == 200 and response.json()["rows"] == []
        settings = requests.get(f"http://127.0.0.1:{port}/-/settings.json", timeout=5).json()
        assert settings["max_returned_rows"] == MAX_RETURNED_ROWS
        assert requests.get(f"http://127.0.0.1:{port}/veille/calendrier.ics", timeout=5).status_code == 200
        assert requests.get(f"http://127.0.0.1:{port}/sauvegarde-2026", timeout=5).status_code == 404
    finally:
        server.terminate()
        server.wait(timeout=10)
    # `veille serve` becomes Datasette: stopping it leaves no server listening behind.
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/", timeout=5)


# --- limits and caches of `datasette_command`, on a database of 250 coming sessions ----------------
MANY = 250  # more than MAX_RETURNED_ROWS


@pytest.fixture(scope="module")
def crowded(tmp_path_factory):
    """Datasette (with ?_trace=1 allowed) on 250 coming privacy sessions of the Ille-et-Vilaine."""
    db = tmp_path_factory.mktemp("crowded") / "veille.db"
    store = Store(db)
    store.sync_sources([BD35])
    items = [item(BD35, f"s{n}", f"Atelier vie privée {n}", paris(today() + timedelta(1 + n % 100), 10),
                  match=relevant("« vie privée » dans le titre")) for n in range(MANY)]
    store.save_source(store.start_run(), BD35, items, {"pages": 1, "items": MANY, "errors": []})
    server = DatasetteProcess(db, {}, settings={"trace_debug": "1"})
    yield server, store
    server.stop()


def test_lists_and_feeds_stop_at_max_returned_rows(crowded):
    server, _ = crowded
    listed = requests.get(f"{server.url}/veille/prochaines_sessions.json", timeout=30).json()
    assert len(listed["rows"]) == MAX_RETURNED_ROWS < MANY and listed["truncated"]
    calendar = requests.get(f"{server.url}/veille/calendrier.ics", timeout=30).text
    assert calendar.count("BEGIN:VEVENT") == MAX_RETURNED_ROWS


def test_a_table_still_exports_whole_as_streamed_csv(crowded):
    server, _ = crowded
    page = requests.get(f"{server.url}/veille/sessions.json", params={"_size": "max"}, timeout=30).json()
    assert len(page["rows"]) == MAX_RETURNED_ROWS and page["next"]
    csv = requests.get(f"{server.url}/veille/sessions.csv", params={"_stream": "on"}, timeout=30).text
    assert len(csv.strip().splitlines()) == 1 + MANY


def test_the_sessions_table_pages_by_the_size_the_metadata_sets(crowded):
    server, _ = crowded
    size = json.loads(METADATA.read_text(encoding="utf-8"))["databases"]["veille"]["tables"]["sessions"]["size"]
    page = requests.get(f"{server.url}/veille/sessions.json", timeout=30).json()
    assert len(page["rows"]) == size < MANY and page["next"]


def test_search_orders_a_common_and_a_rare_word_alike(tmp_path):
    """« Recherche » walks the sessions by date for a word most sessions share and sorts the hits
    of a rarer one: both give coming sessions soonest first, then past ones latest first."""
    db = tmp_path / "veille.db"
    store = Store(db)
    store.sync_sources([BD35])
    days = [today() + timedelta(n) for n in range(-600, 600, 2)]
    items = [item(BD35, f"s{n}", f"Atelier vie privée {n}" + (" : chiffrer" if n % 10 == 0 else ""),
                  paris(day, 10), match=relevant("« vie privée » dans le titre")) for n, day in enumerate(days)]
    store.save_source(store.start_run(), BD35, items, {"pages": 1, "items": len(items), "errors": []})
    rare = [i for i in items if "chiffrer" in i["title"]]
    sessions = store.db.execute("select max(rowid) from sessions").fetchone()[0]
    assert len(items) ** 2 > 400 * sessions > len(rare) ** 2  # one word for each plan
    server = DatasetteProcess(db, {})
    try:
        for word, hits in (("vie privee", items), ("chiffrer", rare)):
            coming = sorted((i for i in hits if i["start"][:10] >= today().isoformat()), key=lambda i: i["start"])
            past = sorted((i for i in hits if i["start"][:10] < today().isoformat()), key=lambda i: i["start"], reverse=True)
            found = requests.get(f"{server.url}/veille/recherche.json", timeout=30,
                                 params={"recherche": word, "_shape": "array"}).json()
            assert [r["session_id"] for r in found] == [i["id"] for i in coming + past][:MAX_RETURNED_ROWS], word
    finally:
        server.stop()


def traced_sql(server, path: str) -> list[str]:
    """The SQL a page ran, from Datasette's ?_trace=1."""
    data = requests.get(f"{server.url}{path}", params={"_trace": "1"}, timeout=30).json()
    return [trace["sql"] for trace in data["_trace"]["traces"] if "sql" in trace]


def test_facet_counts_are_kept_until_the_data_change(crowded):
    server, store = crowded
    counts = lambda: {f["value"]: f["count"] for f in requests.get(  # noqa: E731
        f"{server.url}/veille/sessions.json", timeout=30).json()["facet_results"]["departement"]["results"]}
    before = counts()
    ran = traced_sql(server, "/veille/sessions.json")
    assert not [sql for sql in ran if "count(*)" in sql]  # counts and facets from the cache
    assert [sql for sql in ran if "from sessions" in sql]  # the page's rows are read each time
    # A crawl finds one more session: the next page counts again, and right.
    extra = item(BD35, "nouvelle", "Chiffrer ses messages", paris(today() + timedelta(3), 14),
                 match=relevant("« chiffrer » dans le titre"))
    store.save_source(store.start_run(), BD35, [extra], {"pages": 1, "items": 1, "errors": []})
    assert counts() == {"35": before["35"] + 1}


def test_the_count_cache_forgets_when_another_connection_commits(tmp_path):
    db = tmp_path / "veille.db"
    Store(db)
    cache = DataVersionCache(str(db))
    cache.put("key", cache.version(), "kept")
    assert cache.get("key") == "kept"
    with sqlite3.connect(db) as writer:
        writer.execute("insert into crawl_runs (status) values ('running')")
    assert cache.get("key") is None
    version = cache.version()
    with sqlite3.connect(db) as writer:  # a commit while the result was computed: not kept
        writer.execute("insert into crawl_runs (status) values ('running')")
    cache.put("key", version, "stale")
    assert cache.get("key") is None

"""Datasette latency on a database of 1,000,000 sessions: every canned query, facets, full-text search.

The database is built with the project's schema (``open_db``) and filled by bulk inserts
(save_source would take minutes for a million rows), then cached in bench/.cache/.
Datasette runs as its own process, as `veille serve` starts it; each page is fetched over
HTTP ``--repeat`` times after one warm-up, and p50/p95 are compared with the 150 ms target.
Run: ``.venv/bin/python bench/serve.py [--sessions N] [--rebuild]``.
"""
from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import requests

from store import bench_sources, synthetic_sessions

from crawler import PROJECT_ROOT as ROOT
from crawler.serve import METADATA, datasette_command
from crawler.store import SCHEMA_VERSION, Store, open_db

CACHE = ROOT / "bench" / ".cache"
TARGET_MS = 150
SOURCES = 100
# Values for the canned queries' parameters.
PARAMETERS = {"territoire": "Bretagne", "recherche": "vie privee"}


def session_rows(source, items: list[dict], rng: random.Random) -> list[dict]:
    """Rows of ``sessions`` as the store writes them, with a history spread over two years.

    A tenth of the sessions that are not about privacy are run by a partner network of the
    session's town (as Vitré in the tests' Ille-et-Vilaine calendar): about 2,400 organisers
    with no privacy session, for the lists of where to offer a workshop. One session in a
    hundred is a course in several parts (two days, then two more three weeks later)."""
    rows = []
    for item in items:
        occurrences = []
        if rng.random() < 0.01:
            day, start, end = item["start"][:10], item["start"][10:], item["end"][10:]
            days = [date.fromisoformat(day) + timedelta(n) for n in (0, 1, 21, 22)]
            occurrences = [{"start": f"{d.isoformat()}{start}", "end": f"{d.isoformat()}{end}"} for d in days]
        seen = f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}T08:00:00+00:00"
        organiser = item["organiser"]
        if not item["match"]["relevant"] and rng.random() < 0.1:
            organiser = "Réseau des médiathèques de " + item["place"].rsplit(", ", 1)[-1]
        rows.append({
            **{k: v for k, v in item.items() if k != "match"}, "organiser": organiser, "all_day": 0,
            "occurrences": json.dumps(occurrences), "end": occurrences[-1]["end"] if occurrences else item["end"],
            "start_date": item["start"][:10], "month": item["start"][:7], "departement": source.departement,
            "region": source.region, "source_kind": source.kind, "first_seen": seen, "last_seen": seen,
            "updated_at": seen, "missing_runs": 0, "gone": int(rng.random() < 0.02), "cluster_id": item["id"],
            "latitude": 42 + rng.random() * 8, "longitude": -4 + rng.random() * 12,
        })
    return rows


def match_row(item: dict, rng: random.Random) -> dict:
    """The session's match; a fifth of the sessions not about privacy are digital mediation."""
    match = item["match"]
    theme = "vie privée" if match["relevant"] else "médiation numérique" if rng.random() < 0.2 else "autre"
    return {"session_id": item["id"], "score": match["score"], "relevant": int(match["relevant"]),
            "terms": json.dumps(match["terms"], ensure_ascii=False), "why": match["why"],
            "keywords_version": match["keywords_version"], "matched_at": "2026-11-25T08:00:00+00:00",
            "theme": theme}


def insert_rows(db, table: str, rows: list[dict]) -> None:
    """One executemany over the columns the table has (the schema grows; the bench follows it)."""
    columns = [c for c in rows[0] if c in db[table].columns_dict]
    db.conn.executemany(f"insert into {table} ({', '.join(f'[{c}]' for c in columns)}) values "
                        f"({', '.join('?' * len(columns))})", [[row[c] for c in columns] for row in rows])


def build(path: Path, sessions: int) -> None:
    """The database: sources, one crawl run, ``sessions`` sessions and matches, a little triage."""
    rng = random.Random(1)
    sources = bench_sources(SOURCES)
    store = Store(path)
    store.sync_sources(sources)
    db = store.db
    # The FTS insert trigger costs more than one rebuild at the end: drop it, then put it back as it was.
    trigger = db.execute("select sql from sqlite_master where type = 'trigger' and name = 'sessions_ai'").fetchone()[0]
    with db.atomic():
        db.execute("drop trigger sessions_ai")
        run_id = db["crawl_runs"].insert({"started_at": "2026-11-25T08:00:00+00:00", "status": "finished"}).last_pk
        for n, source in enumerate(sources):
            items = synthetic_sessions(source, sessions // SOURCES, seed=n)
            insert_rows(db, "sessions", session_rows(source, items, rng))
            insert_rows(db, "matches", [match_row(item, rng) for item in items])
            db["source_runs"].insert({"run_id": run_id, "source_id": source.id, "pages": 21, "items": len(items)})
            db["triage"].insert_all({"session_id": item["id"], "state": "contacté", "by": "bench", "at": "2026-11-20"}
                                    for item in items[:10])
        db.execute(trigger)
        db.execute("insert into sessions_fts(sessions_fts) values ('rebuild')")
    store.refresh_organisers()  # what save_source does source by source


def database(sessions: int, rebuild: bool) -> Path:
    """The cached database for this size and schema version, built when missing."""
    # Datasette names a database after its file: the canned queries are under /veille/.
    path = CACHE / f"serve-{sessions}-v{SCHEMA_VERSION}" / "veille.db"
    if rebuild or not path.exists():
        for stale in path.parent.glob("veille.db*"):
            stale.unlink()
        started = time.perf_counter()
        build(path, sessions)
        print(f"built {path.relative_to(ROOT)} in {time.perf_counter() - started:.0f} s")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pages(db_path: Path) -> dict[str, str]:
    """Label -> path of every page measured: the read-only canned queries, a facet page, a search."""
    metadata = json.loads(METADATA.read_text(encoding="utf-8"))
    queries = metadata["databases"]["veille"].get("queries", {})
    session_id = open_db(db_path).execute("select id from sessions limit 1 offset 1000").fetchone()[0]
    values = {**PARAMETERS, "session_id": session_id}
    found = {}
    for name, query in queries.items():
        if query.get("write"):
            continue  # a form that changes data: nothing to time on GET
        params = {p: values[p] for p in query.get("params", []) if p in values}
        params.update({p: values[p] for p in values if f":{p}" in query["sql"]})
        found[f"query {name}"] = f"/veille/{name}" + (f"?{urlencode(params)}" if params else "")
    found["facets departement+status+month"] = "/veille/sessions?_facet=departement&_facet=status&_facet=month"
    found["full-text search 'vie privee'"] = "/veille/sessions?_search=vie+privee"
    found["calendrier.ics (feed)"] = "/veille/calendrier.ics"
    return found


def timings(base: str, path: str, repeat: int, budget_s: float = 15) -> tuple[float, list[float]]:
    """Milliseconds of the first fetch of one page (before any cache holds its counts) and of
    ``repeat`` fetches after it; a page that takes seconds stops after ``budget_s`` (3 fetches at
    least), so `make bench` stays under 10 minutes."""
    started = time.perf_counter()
    requests.get(base + path, timeout=60).raise_for_status()
    first = (time.perf_counter() - started) * 1000
    result: list[float] = []
    while len(result) < repeat and (len(result) < 3 or sum(result) < budget_s * 1000):
        started = time.perf_counter()
        requests.get(base + path, timeout=60).raise_for_status()
        result.append((time.perf_counter() - started) * 1000)
    return first, result


def serve(db_path: Path) -> tuple[subprocess.Popen, str]:
    """Datasette in its own process, as `veille serve` runs it (the issue's 5 s SQL limit); returns once it answers."""
    port = free_port()
    process = subprocess.Popen(
        [*datasette_command(str(db_path), "127.0.0.1", port), "--setting", "sql_time_limit_ms", "5000"], cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            requests.get(f"{base}/-/versions.json", timeout=2)
            return process, base
        except requests.ConnectionError:
            time.sleep(0.1)
    process.terminate()
    sys.exit("datasette did not answer within 30 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=10, help="timed fetches per page")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached database")
    args = parser.parse_args()
    db_path = database(args.sessions, args.rebuild)
    process, base = serve(db_path)
    try:
        print(f"Datasette over {args.sessions} sessions, up to {args.repeat} fetches per page (ms)")
        print(f"{'page':<40} {'first':>7} {'n':>3} {'p50':>7} {'p95':>7} {'target':>7}  ratio p95/target")
        for label, path in pages(db_path).items():
            try:
                first, ms = timings(base, path, args.repeat)
                ms.sort()
            except requests.HTTPError as error:  # a query the metadata's author is changing: say so, go on
                print(f"{label:<40} ERROR {error.response.status_code}: {error.response.text[:120]!r}")
                continue
            p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
            print(f"{label:<40} {first:>7.0f} {len(ms):>3} {statistics.median(ms):>7.0f} {p95:>7.0f} {TARGET_MS:>7}  "
                  f"{p95 / TARGET_MS:.2f} {'ok' if p95 < TARGET_MS else 'MISSES TARGET'}")
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    main()

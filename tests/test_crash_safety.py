"""Crash safety: a crawl killed with SIGKILL loses nothing, and readers are never locked out.

A crawl writes each source in one transaction of a WAL database: killed at any moment, the
file must pass ``PRAGMA integrity_check`` and keep every earlier session, triage and alert
record; the next crawl completes with no duplicate. Datasette reads the same file while the
weekly crawl writes, so a reader must never see "database is locked".
"""
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

import pytest
from scrapy import signals
from scrapy.http import HtmlResponse

from conftest import ROOT, free_port
from crawl_helpers import FAST, TODAY, spider_for, write_sources
from crawler.sites import SiteServer
from crawler.sources import Source
from crawler.spiders.calendar import source_finished
from crawler.store import Store

SOURCES, EVENTS = 24, 20  # enough sessions that writing them takes a measurable while


def calendar_site(folder, version: int = 1):
    """``SOURCES`` iCalendar files of ``EVENTS`` sessions each; ``version`` changes every title."""
    folder.mkdir(exist_ok=True)
    (folder / "robots.txt").write_text("User-agent: *\nDisallow:\n")
    for s in range(SOURCES):
        events = "".join(
            f"BEGIN:VEVENT\r\nUID:s{s}-e{e}@crash.example\r\nDTSTART;VALUE=DATE:2027{1 + e % 12:02d}{1 + s % 28:02d}\r\n"
            f"SUMMARY:Atelier {e} de la médiathèque {s} : données personnelles (v{version})\r\n"
            f"DESCRIPTION:{'Protéger sa vie privée en ligne. ' * 5}\r\nLOCATION:Médiathèque {s}\\, Privas\r\n"
            "END:VEVENT\r\n" for e in range(EVENTS))
        (folder / f"cal-{s}.ics").write_text(
            f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//crash//FR\r\n{events}END:VCALENDAR\r\n", encoding="utf-8")
    return folder


def crawl_command(sources, db, *extra):
    return [sys.executable, "-m", "crawler", "crawl", "--sources", str(sources), "--db", str(db),
            "-s", f"VEILLE_TODAY={TODAY}", *FAST, "-s", "LOG_LEVEL=WARNING", *extra]


def run_crawl(sources, db, *extra):
    result = subprocess.run(crawl_command(sources, db, *extra), cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]


def query(db, sql, params=()):
    """One read, on a fresh connection; None when the database or table is not there yet."""
    conn = sqlite3.connect(db, timeout=5)
    try:
        return conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError as error:
        if "no such table" in str(error):
            return None
        raise
    finally:
        conn.close()


@pytest.fixture()
def site(tmp_path):
    folder = calendar_site(tmp_path / "site")
    server = SiteServer(folder).start()
    sources = write_sources(tmp_path / "sources.yml", [
        {"id": f"bd{s}", "name": f"BD {s}", "url": f"{server.url}/cal-{s}.ics"} for s in range(SOURCES)])
    yield folder, sources
    server.stop()


def kill_when(process, ready, limit: float = 60) -> bool:
    """SIGKILL ``process`` as soon as ``ready()`` is true; False if it ended first."""
    deadline = time.monotonic() + limit
    while process.poll() is None and time.monotonic() < deadline:
        if ready():
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.002)
    return False


def writing_started(db):
    """The killed crawl (run 2) has stored some sources, not all."""
    done = query(db, "select count(*) from source_runs where run_id = 2")
    return bool(done and done[0][0])


def fetching_started(db):
    """Run 2 exists: the crawl is fetching, nothing of it stored yet."""
    return bool(query(db, "select 1 from crawl_runs where id = 2"))


@pytest.mark.parametrize("moment", [fetching_started, writing_started], ids=["while-fetching", "while-writing"])
def test_sigkill_mid_crawl_loses_nothing_and_next_crawl_is_clean(tmp_path, site, moment):
    folder, sources = site
    db = tmp_path / "veille.db"
    run_crawl(sources, db)
    sessions_before = set(query(db, "select id, source_id, uid from sessions"))
    assert len(sessions_before) == SOURCES * EVENTS
    some = sorted(sid for sid, _, _ in sessions_before)[:5]
    conn = sqlite3.connect(db)
    with conn:
        conn.executemany("insert into triage (session_id, state, note, by, at) values (?, 'contacté', 'appel', 'anne', ?)",
                         [(sid, TODAY) for sid in some])
        conn.executemany("insert into alerts (subscriber, session_id, change_key, sent_at) values ('bd07', ?, 'new', ?)",
                         [(sid, TODAY) for sid in some])
    conn.close()
    triage_before, alerts_before = query(db, "select * from triage"), query(db, "select * from alerts")

    calendar_site(folder, version=2)  # every title changes: the killed crawl has much to write
    crawl = subprocess.Popen(crawl_command(sources, db), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert kill_when(crawl, lambda: moment(db)), "the crawl finished before it could be killed"
    stored = query(db, "select count(*) from source_runs where run_id = 2")[0][0]
    assert stored < SOURCES  # it was killed mid-way, not after the end

    assert query(db, "pragma integrity_check") == [("ok",)]
    assert query(db, "pragma foreign_key_check") == []
    assert sessions_before <= set(query(db, "select id, source_id, uid from sessions where gone = 0"))
    assert query(db, "select * from triage") == triage_before
    assert query(db, "select * from alerts") == alerts_before
    # Each source is all-or-nothing: old titles everywhere, or new titles everywhere.
    versions = query(db, "select source_id, count(distinct substr(title, -3)) from sessions group by source_id")
    assert {n for _, n in versions} == {1}

    run_crawl(sources, db)
    after = query(db, "select id, source_id, uid from sessions")
    assert set(after) == sessions_before and len(after) == len(sessions_before)  # no duplicate
    assert query(db, "select count(*) from sessions where title not like '%(v2)'") == [(0,)]
    assert query(db, "select * from triage") == triage_before
    assert query(db, "select status from crawl_runs where id = 3") == [("finished",)]


def test_a_source_is_written_whole_or_not_at_all(tmp_path):
    """What makes a SIGKILL harmless: each source's sessions are one transaction. Here the second
    session cannot be stored (no start), so the first must not stay either."""
    store = Store(tmp_path / "veille.db")
    source = Source(id="bd07", name="BD Ardèche", kind="bd", url="http://127.0.0.1:9/formations")
    store.sync_sources([source])
    run_id = store.start_run()
    whole = {"id": "a1", "source_id": "bd07", "title": "Atelier RGPD", "start": "2026-12-08", "status": "scheduled"}
    broken = {"id": "a2", "source_id": "bd07", "title": "Sans date", "status": "scheduled"}
    with pytest.raises(KeyError):
        store.save_source(run_id, source, [whole, broken], {"pages": 1, "items": 2, "errors": [], "failed": False})
    assert query(tmp_path / "veille.db", "select id from sessions") == []


def test_a_source_is_finished_when_its_pages_are_read_and_its_items_through_the_pipelines(tmp_path):
    """What lets the store write a source before the crawl ends (and forget its items): the
    spider says so only once no page of it is pending and every item it gave left the pipelines."""
    url = "http://127.0.0.1:9/formations/1045-rgpd"
    spider = spider_for(write_sources(tmp_path / "sources.yml", [{"id": "bd07", "name": "BD", "url": url}]))
    finished = []

    def on_finished(source_id):
        finished.append(source_id)

    spider.crawler.signals.connect(on_finished, signal=source_finished, weak=False)
    request = spider._request(spider.sources["bd07"], url)
    page = (b"<html><body><h1>Atelier RGPD</h1><p>Date : jeudi 14 janvier 2027, 9 h 00 - 12 h 00</p>"
            b"<p>Lieu : M\xc3\xa9diath\xc3\xa8que, Privas</p></body></html>")
    items = list(spider.parse(HtmlResponse(url, body=page, encoding="utf-8", request=request), source_id="bd07"))
    assert [item["title"] for item in items] == ["Atelier RGPD"]
    assert finished == []  # its page is read, but its item is still in the pipelines
    spider.crawler.signals.send_catch_log(signals.item_scraped, item=items[0], response=None, spider=spider)
    assert finished == ["bd07"]
    spider.crawler.signals.send_catch_log(signals.item_dropped, item=items[0], response=None, spider=spider)
    assert finished == ["bd07"]  # once


def test_readers_are_never_locked_out_while_a_crawl_writes(tmp_path, site):
    """Datasette's HTTP JSON API and a plain sqlite3 reader hammer SELECTs during a crawl."""
    folder, sources = site
    db = tmp_path / "veille.db"
    run_crawl(sources, db)
    calendar_site(folder, version=2)
    port = free_port()
    datasette = subprocess.Popen(
        [sys.executable, "-m", "datasette", "serve", str(db), "-p", str(port), "--host", "127.0.0.1"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    sql = urllib.parse.quote("select count(*) from sessions join matches on matches.session_id = sessions.id")
    urls = [f"http://127.0.0.1:{port}/veille.json?sql={sql}", f"http://127.0.0.1:{port}/veille/sessions.json?_size=20"]
    try:
        wait_for(urls[0], datasette)
        stop, results = threading.Event(), []
        readers = [threading.Thread(target=hammer_http, args=(url, stop, results)) for url in urls]
        readers.append(threading.Thread(target=hammer_sqlite, args=(db, stop, results)))
        for reader in readers:
            reader.start()
        crawl = subprocess.run(crawl_command(sources, db), cwd=ROOT, capture_output=True, text=True, timeout=240)
        stop.set()
        for reader in readers:
            reader.join()
    finally:
        datasette.terminate()
        datasette.wait()
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    assert query(db, "select count(*) from sessions where title like '%(v2)'") == [(SOURCES * EVENTS,)], \
        crawl.stdout + crawl.stderr[-3000:]
    failures = [r for r in results if r != "ok"]
    assert len(results) > 50 and failures == []


def wait_for(url, process, limit: float = 30):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"Datasette did not answer {url}")


def hammer_http(url, stop, results):
    while not stop.is_set():
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                body = response.read().decode()
            results.append("ok" if "locked" not in body else body[:200])
        except OSError as error:  # urllib's HTTPError (a 500) is an OSError too
            results.append(f"{url}: {error}")


def hammer_sqlite(db, stop, results):
    """Read as Datasette does: read-only, Python's default 5 s busy timeout."""
    while not stop.is_set():
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            conn.execute("select count(*), max(updated_at) from sessions").fetchall()
            conn.execute("select * from crawl_runs order by id desc limit 1").fetchall()
            results.append("ok")
        except sqlite3.OperationalError as error:
            results.append(f"sqlite3: {error}")
        finally:
            conn.close()

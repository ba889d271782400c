"""The spiders deploy to Scrapyd unchanged: scrapyd-deploy an egg, schedule a crawl over HTTP, find its sessions.

The egg is built from a copy of the project (scrapyd-deploy writes setup.py and build/ where
scrapy.cfg is), deployed to a Scrapyd on a free loopback port, and asked to crawl the
bundled ics-agenda site served on loopback.
"""
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from conftest import ROOT, free_port
from crawl_helpers import TODAY, rows, write_sources
from crawler.sites import SITES_DIR, SiteServer

BIN = Path(sys.executable).parent
EXPECTED = json.loads((SITES_DIR / "ics-agenda" / "expected.json").read_text(encoding="utf-8"))


def wait_until(check, seconds: float, what: str):
    """Poll ``check`` every 0.2 s until it returns something true; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    pytest.fail(f"{what}: not after {seconds} s")


@pytest.fixture()
def scrapyd(tmp_path):
    """A Scrapyd whose eggs, logs and queues live in tmp_path; yields its base URL."""
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = free_port()
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\npoll_interval = 0.5\n"
        f"eggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\ndbs_dir = {home / 'dbs'}\n", encoding="utf-8")
    log = (home / "scrapyd.log").open("wb")
    process = subprocess.Popen([BIN / "scrapyd"], cwd=home, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"

    def answers():
        try:
            return requests.get(url + "daemonstatus.json", timeout=2).ok
        except requests.ConnectionError:
            return process.poll() is not None and pytest.fail((home / "scrapyd.log").read_text())

    try:
        wait_until(answers, 30, "scrapyd answering")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def deploy(url: str, tmp_path: Path) -> None:
    """scrapyd-deploy from a copy of the project, to a target added to its scrapy.cfg."""
    project = tmp_path / "project"
    for package in ("crawler", "matchers"):
        shutil.copytree(ROOT / package, project / package, ignore=shutil.ignore_patterns("__pycache__"))
    config = (ROOT / "scrapy.cfg").read_text(encoding="utf-8")
    (project / "scrapy.cfg").write_text(f"{config}\n[deploy:test]\nurl = {url}\nproject = veille\n", encoding="utf-8")
    result = subprocess.run([BIN / "scrapyd-deploy", "test"], cwd=project, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr + result.stdout
    assert json.loads(result.stdout)["status"] == "ok"


def test_crawl_scheduled_on_scrapyd_stores_the_sessions(scrapyd, tmp_path):
    deploy(scrapyd, tmp_path)
    assert "calendar" in requests.get(scrapyd + "listspiders.json", params={"project": "veille"}, timeout=10).json()["spiders"]
    site = SiteServer(SITES_DIR / "ics-agenda").start()
    try:
        sources = write_sources(tmp_path / "sources.yml", [
            {"id": "ics-agenda", "name": "Agence régionale du livre Occitalpes", "url": f"{site.url}/agenda.ics"}])
        db = tmp_path / "veille.db"
        # The egg holds the code, not keywords.yml: every file the crawl reads is given by absolute path.
        settings = {"VEILLE_SOURCES": sources, "VEILLE_DB": db, "VEILLE_KEYWORDS": ROOT / "keywords.yml",
                    "VEILLE_TODAY": TODAY, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False}
        scheduled = requests.post(scrapyd + "schedule.json", timeout=10, data={
            "project": "veille", "spider": "calendar", "setting": [f"{k}={v}" for k, v in settings.items()]}).json()
        assert scheduled["status"] == "ok", scheduled

        def finished():
            jobs = requests.get(scrapyd + "listjobs.json", params={"project": "veille"}, timeout=10).json()
            return next((job for job in jobs["finished"] if job["id"] == scheduled["jobid"]), None)

        wait_until(finished, 120, "the scheduled crawl finishing")
    finally:
        site.stop()
    stored = rows(db, "select title, start from sessions where source_id = 'ics-agenda'")
    assert sorted((r["title"], r["start"]) for r in stored) == sorted((e["title"], e["start"]) for e in EXPECTED)

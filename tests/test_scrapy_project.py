"""The repository is a Scrapy project: `scrapy list` and `scrapy crawl` work from its root."""
import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT
from crawl_helpers import TODAY, rows, write_sources
from crawler.sites import SiteServer

SCRAPY = str(Path(sys.executable).with_name("scrapy"))


def test_scrapy_list_names_the_calendar_spider():
    result = subprocess.run([SCRAPY, "list"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.split() == ["calendar"]


def test_scrapy_crawl_stores_the_sessions_like_veille_crawl(tmp_path):
    site = SiteServer(ROOT / "tests" / "fixtures" / "sites" / "ics-agenda").start()
    try:
        sources = write_sources(tmp_path / "sources.yml", [
            {"id": "agenda", "name": "Agence régionale du livre", "url": f"{site.url}/agenda.ics"}])
        db = tmp_path / "veille.db"
        result = subprocess.run(
            [SCRAPY, "crawl", "calendar", "-a", f"sources_file={sources}", "-s", f"VEILLE_DB={db}",
             "-s", f"VEILLE_TODAY={TODAY}", "-s", "DOWNLOAD_DELAY=0.05", "-s", "LOG_LEVEL=WARNING"],
            cwd=ROOT, capture_output=True, text=True, timeout=120)
    finally:
        site.stop()
    assert result.returncode == 0, result.stderr[-2000:]
    expected = json.loads((ROOT / "tests/fixtures/sites/ics-agenda/expected.json").read_text(encoding="utf-8"))
    stored = rows(db, "select s.title, s.start, m.relevant from sessions s join matches m on m.session_id = s.id")
    assert sorted((r["title"], r["start"]) for r in stored) == sorted((e["title"], e["start"]) for e in expected)
    assert sum(r["relevant"] for r in stored) == sum(e["privacy"] for e in expected)

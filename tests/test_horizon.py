"""How far a calendar is followed into the future: sessions past a source's horizon are not stored, and the run says how many."""
import json

from conftest import ROOT
from crawl_helpers import TODAY, crawl, rows, write_sources
from crawler.sites import SiteServer

AGENDA = ROOT / "tests" / "fixtures" / "sites" / "ics-agenda"


def test_sessions_past_the_horizon_are_counted_not_stored(tmp_path):
    server = SiteServer(AGENDA).start()
    try:
        sources = write_sources(tmp_path / "sources.yml", [
            {"id": "agenda", "name": "Agence", "url": f"{server.url}/agenda.ics", "horizon_days": 60}])
        result = crawl(sources, tmp_path / "veille.db")
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr[-2000:]
    expected = json.loads((AGENDA / "expected.json").read_text(encoding="utf-8"))
    within = sorted(e["start"] for e in expected if e["start"][:10] <= "2027-01-24")  # TODAY + 60 days
    assert TODAY == "2026-11-25" and within and len(within) < len(expected)
    assert sorted(r["start"] for r in rows(tmp_path / "veille.db", "select start from sessions")) == within
    report = json.loads(rows(tmp_path / "veille.db", "select report from crawl_runs")[0]["report"])
    assert report["sources"]["agenda"]["beyond_horizon"] == len(expected) - len(within)

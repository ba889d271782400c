"""``veille sources check`` and ``discover`` on sites served on loopback."""
import subprocess
import sys

import pytest

from conftest import ROOT
from crawl_helpers import TODAY
from crawler.discover import candidates
from crawler.sites import SiteServer, serve_sites


def veille(*args):
    return subprocess.run([sys.executable, "-m", "crawler", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=240)


@pytest.fixture(scope="module")
def sites():
    with serve_sites(["ics-agenda", "bd-joomla", "abf-blog", "bd-pdf", "abf-national", "wp-rest", "tribe-site",
                      "openagenda", "jsonld-events", "drupal"]) as servers:
        yield servers


@pytest.mark.parametrize("site, path, strategy", [
    ("ics-agenda", "/agenda.ics", "ics"),
    ("bd-joomla", "/formations/s-inscrire", "html"),
    ("abf-blog", "/", "feed"),
    ("bd-pdf", "/", "pdf"),
    ("abf-national", "/", "html"),
    ("wp-rest", "/wp-json/wp/v2/posts", "wp-rest"),
    ("tribe-site", "/wp-json/tribe/events/v1/events", "tribe-api"),
    ("openagenda", "/v2/agendas/51843210/events?detailed=1", "openagenda"),
    ("jsonld-events", "/agenda", "jsonld"),
    ("drupal", "/formations", "html"),
])
def test_check_prints_strategy_and_sessions(sites, site, path, strategy):
    result = veille("sources", "check", sites[site].url + path, "-s", f"VEILLE_TODAY={TODAY}",
                    "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=WARNING")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Strategy detected:" in result.stdout and strategy in result.stdout.split("Strategy detected:")[1].split("\n")[0]
    found = int(result.stdout.split("Sessions found: ")[1].split("\n")[0])
    assert found > 0


def test_check_exits_non_zero_on_a_site_that_yields_nothing(tmp_path):
    (tmp_path / "index.html").write_text("<html><body><h1>Bienvenue</h1><p>Rien ici.</p></body></html>")
    server = SiteServer(tmp_path).start()
    try:
        result = veille("sources", "check", server.url + "/", "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=WARNING")
    finally:
        server.stop()
    assert result.returncode != 0
    assert "gave no session" in result.stderr


def test_check_refuses_an_unknown_id(tmp_path):
    result = veille("sources", "check", "bd-999", "--sources", str(ROOT / "sources.yml"))
    assert result.returncode != 0 and "no source with id 'bd-999'" in result.stderr


def test_discover_ranks_training_pages_first():
    home = """<html><head><link rel="alternate" type="application/rss+xml" href="/feed/"></head><body>
      <a href="/catalogue/recherche">Rechercher</a>
      <a href="/le-metier/se-former/formations">Se former</a>
      <a href="/espace-pro/journees-professionnelles">Journées professionnelles</a>
      <a href="https://www.facebook.com/bd">Facebook : agenda</a>
      <a href="/mentions-legales">Mentions légales</a></body></html>""".encode()
    sitemap = b"<urlset><url><loc>https://bd.example.fr/agenda</loc></url></urlset>"
    found = candidates(home, "https://bd.example.fr/", sitemap)
    urls = [c["url"] for c in found]
    assert urls[:2] == ["https://bd.example.fr/le-metier/se-former/formations",
                        "https://bd.example.fr/espace-pro/journees-professionnelles"]
    assert "https://bd.example.fr/agenda" in urls and "https://bd.example.fr/feed/" in urls
    assert not any("facebook" in u or "mentions" in u or "recherche" in u for u in urls)

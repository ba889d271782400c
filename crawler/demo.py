"""``veille demo``: the bundled demo sites, served on loopback, crawled for real."""
from __future__ import annotations

import string
import tempfile
from pathlib import Path

from crawler.report import format_summary
from crawler.runner import crawl_today, run_crawl
from crawler.sites import SITES_DIR, serve_sites
from crawler.store import open_db

DEMO_SOURCES = SITES_DIR / "demo-sources.yml"
# Our own loopback sites: no need to wait between requests as we do on the real web.
DEMO_SETTINGS = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "LOG_LEVEL": "WARNING"}


def demo_site_names() -> list[str]:
    """The site folders demo-sources.yml refers to (``{bd-joomla}`` and the like)."""
    text = DEMO_SOURCES.read_text(encoding="utf-8")
    return sorted({name for _, name, _, _ in string.Formatter().parse(text) if name})


def write_demo_sources(servers: dict, folder: Path) -> Path:
    """demo-sources.yml with each ``{site-name}`` replaced by that site's loopback URL."""
    text = DEMO_SOURCES.read_text(encoding="utf-8").format_map({name: s.url for name, s in servers.items()})
    path = Path(folder) / "demo-sources.yml"
    path.write_text(text, encoding="utf-8")
    return path


def run_demo(db: str, overrides: dict[str, str] | None = None) -> str:
    """Serve the demo sites, crawl them into ``db`` and return the summary text."""
    settings = {**DEMO_SETTINGS, **(overrides or {})}
    with serve_sites(demo_site_names()) as servers, tempfile.TemporaryDirectory() as folder:
        run_id = run_crawl(str(write_demo_sources(servers, folder)), db, overrides=settings)
    return format_summary(open_db(db), run_id, crawl_today(settings))

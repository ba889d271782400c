"""Serve folders of static pages on 127.0.0.1, one port per site, like separate hosts.

Used by ``veille demo`` and by the tests, which crawl these sites over real HTTP.
A request ``PATH?QUERY`` is answered by the first file that exists among
``PATH@QUERY``, ``PATH``, ``PATH.html``, ``PATH/index.html``, ``PATH/index.xml``,
``PATH/index.json``: so a site can give ``?start=5`` its own page (``list@start=5``)
while Joomla's print view (``?tmpl=component&print=1``) serves the article again, as
the real template does.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from crawler import PROJECT_ROOT

SITES_DIR = PROJECT_ROOT / "tests" / "fixtures" / "sites"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",
    ".xml": "application/rss+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".pdf": "application/pdf",
    ".txt": "text/plain; charset=utf-8",
}


def resolve(root: Path, path: str, query: str) -> Path | None:
    """The file that answers ``path?query`` under ``root``, or None."""
    relative = unquote(path).lstrip("/")
    base = (root / relative).resolve()
    if root.resolve() not in (base, *base.parents):
        return None  # no escaping the site folder with ../
    candidates = []
    if query:
        candidates.append(base.with_name(f"{base.name}@{query}") if relative else root / f"index@{query}.html")
    candidates += [base, base.with_name(base.name + ".html"), base / "index.html", base / "index.xml", base / "index.json"]
    return next((c for c in candidates if c.is_file()), None)


class _Handler(SimpleHTTPRequestHandler):
    root: Path
    log: list

    def do_GET(self):  # noqa: N802 (http.server's naming)
        parts = urlsplit(self.path)
        self.log.append(self.path)
        found = resolve(self.root, parts.path, parts.query)
        if found is None:
            self.send_error(404)
            return
        body = found.read_bytes()
        # Files without a known suffix (`list@start=5`, `article`) are pages, as on the real sites.
        content_type = CONTENT_TYPES.get(found.suffix, CONTENT_TYPES[".html"])
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class SiteServer:
    """One static site on a free loopback port; ``requests`` records every path asked for."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.requests: list[str] = []
        handler = type("Handler", (_Handler,), {"root": self.root, "log": self.requests})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "SiteServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def serve_sites(names=None, sites_dir: Path = SITES_DIR):
    """Serve each site folder (all by default); yields ``{name: SiteServer}``."""
    names = names or sorted(p.name for p in sites_dir.iterdir() if p.is_dir())
    servers = {name: SiteServer(sites_dir / name).start() for name in names}
    try:
        yield servers
    finally:
        for server in servers.values():
            server.stop()

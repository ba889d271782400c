"""A hostile web site on 127.0.0.1: one path per fault real calendar sites throw at a crawler.

Each fault has its own path (``FAULTS``), so a test can point one source at each and know
which error row belongs to which fault. The server records every request (path and
User-Agent) and the most pages it served at once, so tests prove what the crawler did *not*
do: ask for a path robots.txt forbids, leave the host, hammer it.
"""
from __future__ import annotations

import select
import socket
import struct
import threading
import time
import zlib
from datetime import date, timedelta
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

FORBIDDEN_PREFIX = "/interdit/"  # robots.txt disallows it; no request may ever reach it
HUGE_SIZE = 30 * 1024 * 1024  # three times the crawl's DOWNLOAD_MAXSIZE
BOMB_SIZE = 64 * 1024 * 1024  # decompressed size of the gzip bomb (about 64 kB on the wire)
CHUNK = 64 * 1024
PAGE_DELAY = 0.2  # seconds each well-behaved page takes

# fault name -> path a source points at
FAULTS = {
    "http-500": "/http-500",
    "http-503": "/http-503",
    "connection-reset": "/reset",
    "no-answer": "/no-answer",
    "body-cut-short": "/cut-short",
    "huge-declared": "/huge-declared",
    "huge-undeclared": "/huge-undeclared",
    "zip-bomb": "/zip-bomb",
    "redirect-loop": "/loop-a",
    "redirect-other-host": "/redirect-away",
    "robots-forbidden": FORBIDDEN_PREFIX + "agenda.html",
    "broken-jsonld": "/broken-jsonld.html",
    "broken-ics": "/broken.ics",
    "broken-pdf": "/broken.pdf",
    "endless-calendar": "/agenda/1",
    # Text in the wrong (or no) declared charset: a crawler must still read the accents.
    "cp1252-served-as-utf8": "/cp1252-as-utf8.html",
    "utf8-served-as-cp1252": "/utf8-as-cp1252.html",
    "cp1252-without-charset": "/cp1252-no-charset.html",
}

# The title of the one session each charset page announces, as it must be stored.
CHARSET_TITLES = {
    "cp1252-served-as-utf8": "Atelier : protéger ses données personnelles à la médiathèque",
    "utf8-served-as-cp1252": "Café numérique : réseaux sociaux et vie privée",
    "cp1252-without-charset": "Journée d'étude : sécurité numérique des bibliothèques",
}
_CHARSET_PAGES = {  # path -> (fault, body encoding, declared Content-Type)
    "/cp1252-as-utf8.html": ("cp1252-served-as-utf8", "cp1252", "text/html; charset=utf-8"),
    "/utf8-as-cp1252.html": ("utf8-served-as-cp1252", "utf-8", "text/html; charset=windows-1252"),
    "/cp1252-no-charset.html": ("cp1252-without-charset", "cp1252", "text/html"),
}
_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre")


def session_page(title: str, day: date, links: str = "") -> str:
    """A detail page announcing one session, as the BD sites write them."""
    words = f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"<p>Le {words} de 9 h 30 à 12 h</p><p>Lieu : Médiathèque départementale, Privas</p>"
            f"{links}</article></body></html>")


def month_page(n: int, other_host: str) -> str:
    """Month ``n`` of a calendar that never ends: two sessions, then "Mois suivant" to month n+1."""
    return (f"<html><head><title>Agenda des formations</title></head><body><main><h1>Agenda, mois {n}</h1>"
            f'<h2><a href="/agenda/{n}/lecture">Atelier lecture, mois {n}</a></h2>'
            f'<h2><a href="/agenda/{n}/conte">Atelier conte, mois {n}</a></h2>'
            f'<p><a href="/agenda/{n + 1}" rel="next">Mois suivant »</a></p>'
            f'<p><a href="{other_host}/partenaire.html">Notre partenaire</a></p></main></body></html>')


@cache  # compressing 64 MB takes a while; every request for the bomb sends the same bytes
def zip_bomb() -> bytes:
    """``BOMB_SIZE`` zero bytes, gzip-compressed (built once: about 64 kB)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip container
    zeros = bytes(1024 * 1024)
    return b"".join(packer.compress(zeros) for _ in range(BOMB_SIZE // len(zeros))) + packer.flush()


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def handle(self):
        try:
            super().handle()
        except OSError:
            pass  # the crawler hung up on a fault (huge page, timeout): that is the point

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass  # the socket was reset on purpose

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 (http.server's naming)
        path = urlsplit(self.path).path
        self.server.record(self.path, self.headers.get("User-Agent", ""))
        self._answer(path)

    def _answer(self, path: str):
        other = self.server.other_host
        if path == "/robots.txt":
            return self._send(200, f"User-agent: *\nDisallow: {FORBIDDEN_PREFIX}\n", "text/plain")
        if path == "/http-500":
            return self._send(500, "<h1>Erreur interne</h1>")
        if path == "/http-503":
            return self._send(503, "<h1>Maintenance</h1>", headers={"Retry-After": "120"})
        if path == "/reset":
            # SO_LINGER 0 makes close() send a TCP RST: the peer sees "connection reset".
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            return
        if path == "/no-answer":
            return self._wait_for_hang_up()
        if path == "/cut-short":
            body = session_page("Formation interrompue", date(2026, 12, 10)).encode() * 20
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 3])
            return
        if path in ("/huge-declared", "/huge-undeclared"):
            return self._stream_huge(declared=path == "/huge-declared")
        if path == "/zip-bomb":
            return self._send(200, zip_bomb(), headers={"Content-Encoding": "gzip"})
        if path in ("/loop-a", "/loop-b"):
            return self._redirect("/loop-b" if path == "/loop-a" else "/loop-a")
        if path == "/redirect-away":
            return self._redirect(f"{other}/agenda.html")
        if path.startswith(FORBIDDEN_PREFIX):
            return self._page(session_page("Page interdite aux robots", date(2026, 12, 1)))
        if path == "/broken-jsonld.html":
            return self._page('<html><head><script type="application/ld+json">{"@type": "Event", '
                                   '"name": "Atelier RGPD", "startDate": </script></head>'
                                   "<body><h1>Agenda</h1><p>Aucune date.</p></body></html>")
        if path == "/broken.ics":
            return self._page("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:cut@fault\r\n"
                                   "DTSTART:2026", "text/calendar; charset=utf-8")
        if path == "/broken.pdf":
            return self._page(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage", "application/pdf")
        if path.startswith("/agenda/"):
            return self._calendar(path.split("/")[2:], other)
        if path in _CHARSET_PAGES:
            fault, encoding, content_type = _CHARSET_PAGES[path]
            page = session_page(CHARSET_TITLES[fault], date(2026, 12, 15))
            return self._page(page.encode(encoding), content_type)
        return self._send(404, "<h1>Introuvable</h1>")

    def _calendar(self, parts: list[str], other: str):
        if not parts[0].isdigit():
            return self._send(404, "<h1>Introuvable</h1>")
        month = int(parts[0])
        if len(parts) == 1:
            return self._page(month_page(month, other))
        day = date(2026, 12, 1) + timedelta(days=30 * month + (7 if parts[1] == "conte" else 0))
        return self._page(session_page(f"Atelier {parts[1]}, mois {month}", day))

    def _page(self, body: str | bytes, content_type: str = "text/html; charset=utf-8"):
        """A well-behaved answer, slow enough that requests sent together overlap here.

        Only these count in ``max_in_flight``: a fault's socket can outlive the client's interest
        (a 30 MB body still being written after the crawler gave up), which says nothing of how
        many requests the crawler sends at once. The count drops before the body is written:
        the crawler cannot send its next request before it has this body.
        """
        self.server.begin()
        time.sleep(PAGE_DELAY)
        self.server.end()
        self._send(200, body, content_type)

    def _send(self, status: int, body: str | bytes, content_type: str = "text/html; charset=utf-8",
              headers: dict | None = None):
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _wait_for_hang_up(self):
        """Answer nothing until the client gives up (or the test stops the server)."""
        while not self.server.stopping.is_set():
            readable, _, _ = select.select([self.connection], [], [], 0.1)
            if readable and not self.connection.recv(1024):
                return  # the client closed: it no longer counts as in flight

    def _redirect(self, location: str):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _stream_huge(self, declared: bool):
        """30 MB of calendar-looking HTML; without Content-Length the end is the closed socket."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if declared:
            self.send_header("Content-Length", str(HUGE_SIZE))
        self.end_headers()
        line = (b"<p>Formation : le 8 decembre 2026</p>\n" * (CHUNK // 40 + 1))[:CHUNK]
        for _ in range(HUGE_SIZE // CHUNK):
            self.wfile.write(line)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, other_host: str):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.other_host = other_host
        self.requests: list[tuple[str, str]] = []
        self.stopping = threading.Event()
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()

    def record(self, path: str, user_agent: str) -> None:
        with self._lock:
            self.requests.append((path, user_agent))

    def begin(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def end(self) -> None:
        with self._lock:
            self.in_flight -= 1


class FaultServer:
    """The hostile site on a free loopback port; ``other_host`` is where it redirects and links away."""

    def __init__(self, other_host: str = "http://127.0.0.1:9"):
        self.httpd = _Server(other_host)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def paths(self) -> list[str]:
        """Every path (with query) requested, in order."""
        return [path for path, _ in self.httpd.requests]

    @property
    def user_agents(self) -> set[str]:
        return {agent for _, agent in self.httpd.requests}

    @property
    def max_in_flight(self) -> int:
        """The most well-behaved pages this server was answering at the same moment."""
        return self.httpd.max_in_flight

    def start(self) -> "FaultServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.stopping.set()  # releases the requests that never get an answer
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> "FaultServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

"""Many slow calendar sites on loopback: one host per 127.0.0.x address, every answer delayed.

Each host is a departmental library's training calendar in the shared BD (Joomla) shape: a
list page whose headings link to detail pages, each detail page announcing one session with
French date words. Hosts differ by address, not port, because Scrapy keys its per-domain
slots (and so CONCURRENT_REQUESTS_PER_DOMAIN) on the host name.

Runs as one asyncio loop in a background thread; answers keep the connection alive, as a
real web server does, so clients pay the latency and not a TCP handshake per page.
"""
from __future__ import annotations

import asyncio
import html
import threading
from contextlib import contextmanager
from datetime import date, timedelta

import yaml

from crawler.frdates import WEEKDAY_NAMES

LIST_PATH = "/formations/s-inscrire"
ROBOTS = "User-agent: *\nDisallow: /administrator/\n"
MOIS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
        "octobre", "novembre", "décembre")
TITLES = (
    "Le RGPD à la bibliothèque : comprendre et appliquer",
    "Désherber les collections : méthodes et outils",
    "Atelier d'autodéfense numérique pour les bibliothécaires",
    "Accueillir tous les publics : posture et communication",
    "Protéger ses données personnelles sur smartphone",
    "Bébés lecteurs : lire avec les tout-petits",
    "Cataloguer dans le logiciel du réseau (niveau 1)",
    "Accompagner les usagers face aux arnaques en ligne",
    "Facile à lire : des collections pour tous les lecteurs",
    "Identité numérique et réseaux sociaux : accompagner les adolescents",
)
TOWNS = ("Lysbourg", "Villeneuve-sur-Lys", "Pont-de-Lys", "Montfort-la-Lys", "Saint-Amand-sur-Lys")


def french_day(day: date) -> str:
    """``Jeudi 14 janvier 2027``: the way BD calendars write a date."""
    return f"{WEEKDAY_NAMES[day.weekday()].capitalize()} {day.day} {MOIS[day.month - 1]} {day.year}"


def session_day(host: int, page: int) -> date:
    """The session's day: spread over the coming year, different per host and page."""
    return date(2027, 1, 4) + timedelta(days=(host * 7 + page * 13) % 330)


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{html.escape(title)}'
            f' - Médiathèque départementale</title></head><body><main>{body}</main></body></html>')


def list_page(host: int, pages: int) -> str:
    items = "".join(
        f'<div class="blog-item"><h2><a href="{LIST_PATH}/{1000 + n}-formation-{n}">'
        f"{html.escape(TITLES[(host + n) % len(TITLES)])}</a></h2>"
        f'<p class="date-formation">{french_day(session_day(host, n))}, 9h30-16h30</p></div>'
        for n in range(pages)
    )
    return _page("S'inscrire à une formation", f"<h1>S'inscrire à une formation</h1>{items}")


def detail_page(host: int, n: int) -> str:
    title = TITLES[(host + n) % len(TITLES)]
    town = TOWNS[(host + n) % len(TOWNS)]
    body = (
        f'<h1 itemprop="headline">{html.escape(title)}</h1><div itemprop="articleBody">'
        f"<p><strong>Date :</strong> {french_day(session_day(host, n))}, 9 h 00 – 12 h 00</p>"
        f"<p><strong>Lieu :</strong> Médiathèque départementale, salle de formation, {town}</p>"
        "<p><strong>Public :</strong> bibliothécaires salariés et bénévoles du réseau</p>"
        "<p>Une journée pour découvrir les pratiques, échanger entre collègues et repartir avec "
        "des outils pour la bibliothèque. Inscription par le formulaire en ligne.</p>"
        f'<p><a href="{LIST_PATH}">Retour au calendrier des formations</a></p></div>'
    )
    return _page(title, body)


class LoopbackSites:
    """``hosts`` sites on 127.0.0.2, 127.0.0.3, ... each with a list page and ``pages`` details."""

    def __init__(self, hosts: int = 50, pages: int = 20, latency: float = 0.1):
        self.hosts, self.pages, self.latency = hosts, pages, latency
        self.urls: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._servers = []
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def _body(self, host: int, path: str) -> bytes | None:
        if path == "/robots.txt":
            return ROBOTS.encode()
        if path == LIST_PATH:
            return list_page(host, self.pages).encode()
        prefix = f"{LIST_PATH}/"
        if path.startswith(prefix):
            n = int(path[len(prefix):].split("-", 1)[0]) - 1000
            if 0 <= n < self.pages:
                return detail_page(host, n).encode()
        return None

    async def _serve(self, host: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        try:
            while request_line := await reader.readline():
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass  # headers: nothing in them changes the answer
                path = request_line.split(b" ")[1].decode().split("?")[0]
                await asyncio.sleep(self.latency)
                body = self._body(host, path)
                status = "200 OK" if body is not None else "404 Not Found"
                body = body if body is not None else b"not found"
                content_type = "text/plain" if path.endswith(".txt") or body == b"not found" else "text/html"
                writer.write(f"HTTP/1.1 {status}\r\nContent-Type: {content_type}; charset=utf-8\r\n"
                             f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n".encode() + body)
                await writer.drain()
        except (ConnectionError, IndexError, ValueError):
            pass
        finally:
            writer.close()

    async def _start_servers(self):
        for host in range(self.hosts):
            address = f"127.0.0.{host + 2}"
            server = await asyncio.start_server(
                lambda r, w, host=host: self._serve(host, r, w), address, 0, backlog=64)
            self._servers.append(server)
            self.urls.append(f"http://{address}:{server.sockets[0].getsockname()[1]}{LIST_PATH}")

    def start(self) -> "LoopbackSites":
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start_servers(), self._loop).result(timeout=30)
        return self

    def stop(self) -> None:
        async def close():
            for server in self._servers:
                server.close()
        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def write_sources(self, path) -> None:
        """A sources.yml with one BD entry per host, its page budget enough for list + details."""
        entries = [
            {"id": f"bench-{n:02d}", "name": f"Bibliothèque départementale de test {n}", "kind": "bd",
             "departement": f"{n + 21:02d}", "region": "Auvergne-Rhône-Alpes", "url": url, "format": "auto",
             "evidence": "seen", "max_pages": self.pages + 1}
            for n, url in enumerate(self.urls)
        ]
        path.write_text(yaml.safe_dump({"sources": entries}, allow_unicode=True), encoding="utf-8")


@contextmanager
def serve(hosts: int = 50, pages: int = 20, latency: float = 0.1):
    """Serve the sites for the duration of a ``with`` block."""
    sites = LoopbackSites(hosts, pages, latency).start()
    try:
        yield sites
    finally:
        sites.stop()

"""Propose candidate training pages of a library site, for volunteers adding a source.

Pure functions over a home page and an optional sitemap; ``veille sources discover`` fetches them.
"""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup

# Words the real BD and ABF sites use for their training sections (see ../shared/sources/REPORT.md):
# "formations/s-inscrire", "se-former", "journées professionnelles", "espace-pro", "agenda"...
# Not "catalogue": on a library site it is the OPAC, not the training catalogue.
CLUES = {
    "formation": 5, "se former": 5, "se-former": 5, "journee professionnelle": 5, "journees professionnelles": 5,
    "journee d'etude": 5, "journees d'etude": 5, "stage": 3,"espace pro": 4, "espace-pro": 4,
    "agenda": 3, "calendrier": 3, "rencontres professionnelles": 4, "actus-pros": 3, "programme": 2,
    "evenement": 1, "ics": 2, "feed": 2,
}


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")


def score_link(url: str, text: str) -> int:
    """How much a link looks like a training calendar, from its words and its address."""
    words = _plain(f"{text} {urlsplit(url).path.replace('/', ' ')}")
    return sum(weight for clue, weight in CLUES.items() if clue in words)


def candidates(home_html: bytes, home_url: str, sitemap_xml: bytes | None = None, limit: int = 15) -> list[dict]:
    """Same-site links and sitemap entries ranked by ``score_link``; ``[{url, text, score}]``."""
    site = urlsplit(home_url).netloc.removeprefix("www.")
    found: dict[str, dict] = {}

    def consider(url: str, text: str) -> None:
        url = urljoin(home_url, url).split("#")[0]
        if urlsplit(url).netloc.removeprefix("www.") != site:
            return
        score = score_link(url, text)
        if score and score > found.get(url, {}).get("score", 0):
            found[url] = {"url": url, "text": " ".join(text.split())[:80], "score": score}

    soup = BeautifulSoup(home_html, "lxml")
    for link in soup.find_all("a", href=True):
        consider(link["href"], link.get_text(" "))
    for link in soup.find_all("link", rel="alternate", href=True):
        consider(link["href"], f"{link.get('type', '')} {link.get('title', '')} feed")
    if sitemap_xml:
        for loc in re.findall(rb"<loc>\s*([^<]+?)\s*</loc>", sitemap_xml):
            consider(loc.decode("utf-8", "replace"), "")
    return sorted(found.values(), key=lambda c: (-c["score"], c["url"]))[:limit]

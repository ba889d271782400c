"""The obvious alternative to the Scrapy crawl: one loop of requests + BeautifulSoup, one page at a time.

For each source of a sources.yml: fetch the list page, follow the links of its headings, and
read each detail page's title and "Date :" line. No politeness machinery, no concurrency.
Run: ``.venv/bin/python bench/sequential_baseline.py --sources FILE`` (prints pages, sessions).
"""
from __future__ import annotations

import argparse
from urllib.parse import urljoin

import requests
import yaml
from bs4 import BeautifulSoup


def crawl_source(session: requests.Session, url: str) -> tuple[int, list[dict]]:
    """(pages fetched, sessions read) of one calendar."""
    listing = BeautifulSoup(session.get(url, timeout=30).content, "lxml")
    links = [urljoin(url, a["href"]) for a in listing.select("h2 a[href]")]
    sessions = []
    for link in links:
        page = BeautifulSoup(session.get(link, timeout=30).content, "lxml")
        date_line = next((p.get_text(" ", strip=True) for p in page.find_all("p")
                          if p.get_text().strip().startswith("Date")), None)
        sessions.append({"url": link, "title": page.h1.get_text(strip=True), "date_text": date_line})
    return 1 + len(links), sessions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", required=True, help="sources.yml listing the calendars")
    args = parser.parse_args()
    urls = [s["url"] for s in yaml.safe_load(open(args.sources, encoding="utf-8"))["sources"]]
    pages = sessions = 0
    with requests.Session() as session:
        for url in urls:
            fetched, found = crawl_source(session, url)
            pages += fetched
            sessions += len(found)
    print(f"pages {pages} sessions {sessions}")


if __name__ == "__main__":
    main()

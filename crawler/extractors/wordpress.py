"""WordPress REST API posts (``/wp-json/wp/v2/posts``, or one post at ``.../posts/812``).

A post is a feed entry in JSON: ``title.rendered`` and ``content.rendered`` are HTML, the
session dates are in the content's words, ``date`` (site-local publication time) only anchors
the year of dates written without one, and ``link`` is the post's page. Each post's content is
read as the feed extractor reads an entry (``html.post_sessions``), so a report post gives
nothing here either and the REST API agrees with the ``/feed/``.

Paging: WordPress announces the next page only in response headers (``Link: <...?page=2>;
rel="next"``, ``X-WP-TotalPages``), which an extractor given the body never sees; the body
holds no next-page link, so each response is read alone.
"""
from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urljoin

from crawler.extractors import plain_text
from crawler.extractors.base import Extraction, ExtractError, load_json
from crawler.extractors.html import post_sessions


def extract(body: bytes, url: str, ref: date) -> Extraction:
    """Sessions of every post whose content states a session date."""
    data = load_json(body)
    posts = data if isinstance(data, list) else [data]
    if not all(isinstance(post, dict) for post in posts):
        raise ExtractError("réponse de l'API WordPress sans liste d'articles")
    result = Extraction(strategy="wp-rest")
    for post in posts:
        title, content, link = _rendered(post, "title"), _rendered(post, "content"), post.get("link")
        if title is None or content is None:
            result.problems.append(f"article WordPress n° {post.get('id')} ignoré : titre ou contenu absent")
            continue
        found, trouble = post_sessions(content, plain_text(title), urljoin(url, link if isinstance(link, str) else ""),
                                       post_date=_published(post), ref=ref)
        result.sessions += found
        result.problems += trouble
    return result


def _rendered(post: dict, key: str) -> str | None:
    """The HTML WordPress rendered for a post's ``title`` or ``content``, when there is some."""
    field = post.get(key)
    value = field.get("rendered") if isinstance(field, dict) else None
    return value if isinstance(value, str) else None


def _published(post: dict) -> date | None:
    """The post's site-local publication day: ``date``, not ``date_gmt``, which may be the day before."""
    try:
        return datetime.fromisoformat(post["date"]).date()
    except (KeyError, TypeError, ValueError):
        return None

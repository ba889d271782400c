"""One spelling per page: URL canonicalisation before anything is stored or followed.

Two levels, because fetching and identity need different things:

* `canonical_url` returns an address we can still fetch. It keeps the scheme and a
  leading `www.` (some hosts answer on one spelling only) but drops what never changes
  the page: Joomla's print view, tracking parameters, the fragment, default ports...
* `url_key` is for identity only (deduplication, "already seen?"). It also forgets the
  scheme and `www.`, since abf.asso.fr serves the same article on all four spellings,
  and can forget pagination.

The percent-encoding, query sorting, fragment and host-case rules come from
`w3lib.url.canonicalize_url` (Scrapy's own). The parameter filter is ours: w3lib's
`url_query_cleaner` matches names only, while we must match on values too (drop
`print=1` and an empty `page=`, keep `page=2`) and on a prefix (`utm_*`).
"""
from __future__ import annotations

import re
from urllib.parse import SplitResult, unquote_plus, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

DEFAULT_PORTS = {"http": 80, "https": 443}

# Joomla serves every article again as a print view:
# `1089-rgpd?tmpl=component&print=1&layout=default&page=` (MD Ille-et-Vilaine).
_PRINT_VIEW = {("tmpl", "component"), ("print", "1"), ("layout", "default"), ("page", "")}
_TRACKING_NAMES = {"fbclid", "gclid", "xtor"}
_TRACKING_PREFIXES = ("utm_",)

# Pagination parameters: Joomla `?start=4` (MD Vosges), Drupal `?page=1` (MD Puy-de-Dôme),
# abf.asso.fr `?p=5&p2=1&p3=0`. A lone `p` is NOT pagination: WordPress uses `?p=434` as a
# post id (lab-en-bib.abf.asso.fr/?p=434), so `p` only goes when `p2` comes with it.
_PAGINATION = {"start", "page", "p2", "p3"}
# WordPress pagination in the path: abffranchecomte.fr/author/abffcbiblio/page/4
_PATH_PAGINATION = re.compile(r"/page/\d+$")


def canonical_url(url: str) -> str:
    """The fetchable canonical form of `url` (scheme kept, noise removed, pagination kept)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    query = "&".join(pair for pair in parts.query.split("&") if pair and not _is_noise(pair))
    # The trailing slash stays: robots.txt rules match it (`Disallow: /espace-adherent/` does not
    # cover `/espace-adherent`), so fetching without it would walk round a site's wishes.
    return canonicalize_url(urlunsplit((scheme, _netloc(parts, scheme), parts.path or "/", query, "")))


def url_key(url: str, drop_pagination: bool = False) -> str:
    """Identity of a page: `host/path?query` of its canonical form, without scheme nor `www.`.

    With `drop_pagination`, every page of a listing gets the key of its first page.
    """
    parts = urlsplit(canonical_url(url))
    host = parts.netloc.removeprefix("www.")
    # `/formations/` and `/formations` are one page on every CMS seen; the root keeps its `/`.
    path, query = parts.path.rstrip("/") or "/", parts.query
    if drop_pagination:
        pairs = [pair.partition("=") for pair in query.split("&") if pair]
        names = {name for name, _, _ in pairs}
        dropped = _PAGINATION | ({"p"} if "p2" in names else set())
        query = "&".join(f"{n}={v}" if eq else n for n, eq, v in pairs if n not in dropped)
        path = _PATH_PAGINATION.sub("", path) or "/"
    return f"{host}{path}?{query}" if query else f"{host}{path}"


def site_of(url: str) -> str:
    """``host[:port]`` without ``www.``: two URLs of one site compare equal (http and https too)."""
    return url_key(url).split("/", 1)[0]


def _netloc(parts: SplitResult, scheme: str) -> str:
    """Lower-case host without trailing dot (`issuu.com.`) nor default port; userinfo kept."""
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:  # IPv6 literal: urlsplit removed its brackets
        host = f"[{host}]"
    port = parts.port
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    userinfo, at, _ = parts.netloc.rpartition("@")
    return f"{userinfo}@{host}" if at else host


def _is_noise(pair: str) -> bool:
    name, _, value = pair.partition("=")
    name, value = unquote_plus(name).lower(), unquote_plus(value)
    return (
        (name, value) in _PRINT_VIEW
        or name in _TRACKING_NAMES
        or name.startswith(_TRACKING_PREFIXES)
    )

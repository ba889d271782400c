"""Sessions announced in the words of plain HTML pages (no schema.org, no feed).

Three page shapes are read, after the page kind is judged:

* a calendar list (the shared BD Joomla template's ``formations/s-inscrire``, a WordPress
  home): titles linking to detail pages -> only links to follow (detail pages, ``?start=N``,
  ``/page/N/``); the list's own date lines would only duplicate the detail pages;
* a detail page or post announcing one session: title from the ``h1``, the first session
  date line of the body, "Lieu :", "Public :", "Date limite d'inscription :", even when a
  sidebar block of other trainings links them from headings as a list does;
* a post announcing several study days: each heading (``h2``-``h4`` or a bold line)
  followed by its own date line is one session.

Reports of past sessions ("retour de formation", "s'est déroulée", "compte rendu") and
legal "données personnelles" pages give no session: most stored BD pages are reports, and
every portal has an RGPD notice that would look like a privacy training.
:func:`article_sessions` is also what ``feeds.py`` runs on each entry's HTML, and
:func:`post_sessions` what ``wordpress.py`` runs on each REST post's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from urllib.parse import urldefrag, urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from crawler import textinfo
from crawler.extractors import decode_html, iso_day
from crawler.extractors.base import Extraction, new_session
from crawler.frdates import find_dates, fold, parse_dates

_BLOCKS = ["p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt", "td", "th",
           "blockquote", "section", "article", "header", "footer", "ul", "ol", "dl", "table",
           "tr", "figure", "figcaption", "pre", "address", "main"]
_BLOCK_NAMES = frozenset(_BLOCKS)
_HEADINGS = {"h2", "h3", "h4", "h5", "h6"}
_TEASER_HEADINGS = frozenset({"h1", "h2", "h3", "h4"})  # a list item's linked title
_NOISE = frozenset({"script", "style", "noscript", "template", "form", "nav", "aside", "iframe", "svg"})
_BOLD = frozenset({"strong", "b"})
_A = frozenset({"a"})
# Where the article is, best first. Plain tests on a tag rather than CSS selectors: the body
# took up to seven soupsieve selects, twice a page, each one a walk of the tree.
_BODY_TESTS = (
    lambda el: el.get("itemprop") == "articleBody",  # [itemprop="articleBody"]
    lambda el: _has_class(el, "entry-content"),
    lambda el: _has_class(el, "item-page"),
    lambda el: el.name == "article",
    lambda el: el.name == "main",
    lambda el: el.get("id") == "content",  # #content
    lambda el: el.name == "body",
)
_TITLE_TESTS = (
    lambda el: el.name == "h1",
    lambda el: _has_class(el, "entry-title"),
    lambda el: el.get("itemprop") == "headline",
)
_CLASS_NAMES = re.compile(r"[^ \t\r\n\f]+")

# Lines whose date is not the session's: "Publié le 14 septembre 2026", "Mise à jour du
# 20 novembre : ce café ABF est reporté", "Date limite d'inscription : 17 décembre 2026".
_NOT_SESSION_DATE = re.compile(
    r"^\W*(?:publie|mise? a jour|modifie|derniere mise a jour|date de publication|cree le)"
    r"|date limite|cloture des inscriptions|inscri\w*(?: [\w']+){0,3}? (?:avant|jusqu'|au plus tard)"
)
# Date words the parser could not read ("31 février 2025"): reported, never guessed.
_DATE_LIKE = re.compile(
    r"\b\d{1,2}(?:er)?\s+(?:janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre"
    r"|novembre|decembre)(?:\s+\d{4})?\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
)
_LEGAL_TITLES = {"mentions legales", "donnees personnelles", "politique de confidentialite",
                 "protection des donnees personnelles", "protection des donnees",
                 "traitement des donnees", "gestion des cookies", "cookies", "vie privee et cookies",
                 "conditions generales d'utilisation", "informations legales"}
_LEGAL_SEGMENTS = {"mentions-legales", "donnees-personnelles", "politique-de-confidentialite",
                   "protection-des-donnees", "traitement-des-donnees", "cookies"}
_REPORT_TITLE = re.compile(r"^\W*(?:retours? sur|retours? de formation|compte[- ]rendu|bilan d"
                           r"|cr (?:du|de la)|ce qu'il faut retenir)")
_REPORT_SEGMENTS = ("retour-de-formation", "retours-de-formation", "compte-rendu", "comptes-rendus")
_REPORT_VERBS = re.compile(r"\bs'est (?:deroulee?|tenue?)s?\b|\bse sont (?:deroulee?s|tenue?s)\b"
                           r"|\bont participe\b|\ba reuni\b")
# "ANNULÉ – Bébés lecteurs : ..." : the status goes to ``status``, not into the title.
_STATUS_PREFIX = re.compile(r"^\W*(?:annulee?s?|reportee?s?|complete?s?)\W*[-–—:]\s*")
_VENUE_LINE = re.compile(r"^(?:mediatheque|bibliotheque|salle|maison|espace|centre|auditorium"
                         r"|archives|mairie|universite|college|lycee|pole|musee|tiers-lieu)\b")
_PAGINATION_HREF = re.compile(r"[?&](?:start|page|p2)=\d+|/page/\d+/?$")
_PAGINATION_TEXT = {"suivant", "suivante", "page suivante", "precedent", "page precedente",
                    "articles plus anciens", "articles plus recents", "»", "›", "«", "‹"}
_SKIPPED_LINKS = re.compile(r"[?&](?:tmpl=component|print=1)|/(?:administrator|wp-admin|wp-login"
                            r"|feed|wp-json)\b|\.(?:css|js|jpe?g|png|gif|svg|ico|xml|rss|zip)$", re.I)
_JOOMLA_ARTICLE = re.compile(r"/\d+-[^/]+$")
_WORDPRESS_POST = re.compile(r"/\d{4}/\d{2}/\d{2}/[^/]+/?$")
_MAX_HEADING = 150
_DATE_REACH = 4  # a section's date line is among its first lines, right under the heading


@dataclass
class _Block:
    """A leaf block of the page in document order: its element, its lines, whether it is a heading."""

    element: Tag
    lines: list[str]
    heading: bool


def extract(body: bytes, url: str, ref: date, content_type: str | None = None) -> Extraction:
    """Sessions and links of one HTML page; an empty extraction for reports and legal pages.

    ``content_type`` is the HTTP header, whose charset may say how to read the bytes.
    """
    soup = BeautifulSoup(decode_html(body, content_type), "lxml")
    title = page_title(soup)
    article = _body(soup)
    kind = page_kind(title, url, _first_lines(article))
    if kind:
        return Extraction(strategy=f"html:{kind}")
    details = _detail_links(soup, url)
    anchors = _anchors(soup)
    pages = _pagination_links(anchors, url) if len(details) >= 2 else []  # before the pager's <nav> goes
    links = _links(anchors, url)  # before the menus go: a home page is mostly its menu
    for tag in _tags(soup, _NOISE):
        tag.decompose()
    if article.decomposed:  # it sat in a noise tag: take the next candidate (removing tags adds no match)
        article = _body(soup)
    post_date = _post_date(soup)
    if len(details) >= 2 and not _announces_itself(soup, url, details, post_date or ref):
        return Extraction(follow=details + pages, strategy="html:list")
    sessions, problems = article_sessions(
        article, title, url, post_date=post_date, ref=ref, organiser=_site_name(soup)
    )
    # A page that announces sessions only leads on to its PDF programme, if any: not to the
    # teasers of a sidebar block of other trainings, which would credit them to this source.
    follow = [link for link in links if link.lower().endswith(".pdf")] if sessions else links
    return Extraction(sessions=sessions, follow=follow, problems=problems, strategy="html:text")


def page_kind(title: str, url: str, opening: str) -> str | None:
    """"legal" (RGPD notice), "report" (past session) or None for a page that may announce."""
    folded_title = fold(title).strip(" .:")
    segments = [s for s in urlsplit(url).path.lower().split("/") if s]
    if folded_title in _LEGAL_TITLES or _LEGAL_SEGMENTS & set(segments):
        return "legal"
    if (_REPORT_TITLE.search(folded_title) or _REPORT_VERBS.search(fold(opening))
            or any(r in s for s in segments for r in _REPORT_SEGMENTS)):
        return "report"
    return None


def article_sessions(root: Tag, title: str, url: str, post_date: date | None, ref: date,
                     organiser: str | None = None) -> tuple[list[dict], list[str]]:
    """Sessions of one article body: one per dated heading when there are several, else one.

    The year of a date without one is inferred from the post date when known (an ABF post of
    12 November 2026 announcing "JEUDI 14 JANVIER" means 2027); a date before the post date
    is a mention of a past session, not an announcement.
    """
    anchor = post_date or ref
    sections = _sections(_blocks(root, anchor))
    # Each heading's date is read once and kept with it: the same reading decides whether the
    # section is a candidate and, with two or more candidates, dates its session.
    candidates = []
    for heading, lines in sections:
        if heading:
            found = _session_date(lines[:_DATE_REACH], anchor)
            if found is not None or _DATE_LIKE.search(fold("\n".join(lines[:_DATE_REACH]))):
                candidates.append((heading, lines, found))
    if len(candidates) < 2:
        # One session for the page: its first date line anywhere in the text, not only near a heading.
        lines = [line for _, section in sections for line in section]
        candidates = [(title, lines, _session_date(lines, anchor))]
    base = {"organiser": organiser, "url": _without_fragment(url)}
    sessions, problems = [], []
    for heading, lines, found in candidates:
        prefix = _STATUS_PREFIX.match(fold(heading))  # fold keeps offsets: cut the original
        name = heading[prefix.end() if prefix else 0:].strip()
        if found is None:
            unreadable = _DATE_LIKE.search(fold("\n".join(lines)))
            if unreadable:
                words = "\n".join(lines)[unreadable.start():unreadable.end()]
                problems.append(f"date illisible « {words} » pour « {name} »")
            continue
        span, used = found
        if post_date and span.end_date < post_date:
            continue
        if note := span.weekday_note():
            problems.append(f"{note}, pour « {name} »")
        sessions.append(_session(name, heading, lines, span, used, anchor, base))
    if len(sessions) == 1 and (uid := _page_uid(url)):
        sessions[0]["uid"] = uid
    return sessions, problems


def post_sessions(content: str, title: str, url: str, post_date: date | None, ref: date,
                  organiser: str | None = None) -> tuple[list[dict], list[str]]:
    """Sessions of one blog post's HTML content, none when the post is a report or legal notice.

    A post's content carries no ``h1``: its title comes apart, as in a feed entry or a
    WordPress REST post, and so does its date, the anchor of years left unwritten.
    """
    root = BeautifulSoup(content, "lxml")
    if page_kind(title, url, root.get_text(" ")[:400]):
        return [], []
    return article_sessions(root, title, url, post_date=post_date, ref=ref, organiser=organiser)


def page_title(soup: BeautifulSoup) -> str:
    """The article's title: its ``h1``, else the ``og:title``, else ``<title>`` without the site."""
    for test in _TITLE_TESTS:
        found = _first(soup, test)
        if found and found.get_text(strip=True):
            return _clean(found.get_text(" "))
    meta = _meta(soup, "og:title")
    if meta and meta.get("content"):
        return _clean(meta["content"])
    full = _clean(soup.title.get_text()) if soup.title else ""
    return re.split(r"\s+[-–|]\s+", full)[0]


def _session(name: str, heading: str, lines: list[str], span, used: range, anchor: date,
             base: dict) -> dict:
    text = "\n".join(lines)
    start, end, _ = span.to_iso()  # new_session derives all_day from start: a date, no time
    rest = [line for i, line in enumerate(lines) if i not in used]
    return new_session(
        name, start, end=end,
        occurrences=span.occurrences() if len(span.days) > 1 else [],
        description="\n".join(line for line in rest if not _is_field(line)),
        place=textinfo.place(text) or _venue_after(lines, used.stop, anchor),
        status=textinfo.status_from_text(f"{heading}\n{text}"),
        date_text=_clean(span.text),
        registration_deadline=iso_day(textinfo.registration_deadline(text, anchor)),
        audience=textinfo.audience(text),
        **base,
    )


def _session_date(lines: list[str], anchor: date):
    """(span, lines it covers) of the first session date; the times may sit on the next line.

    ABF posts split the date block in two lines: "JEUDI 14 JANVIER" / "9 H 00 – 12 H 00".
    """
    for i, line in enumerate(lines):
        if _NOT_SESSION_DATE.search(fold(line)):
            continue
        following = lines[i + 1] if i + 1 < len(lines) and not _NOT_SESSION_DATE.search(fold(lines[i + 1])) else ""
        span = parse_dates(f"{line}\n{following}", anchor)
        if span is not None and span.start_offset < len(line):
            return span, range(i, i + 2 if span.end_offset > len(line) + 1 else i + 1)
    return None


def _venue_after(lines: list[str], index: int, anchor: date) -> str | None:
    """ABF posts put the venue alone under the date block: "Médiathèque Simone-Veil, Lysbourg"."""
    for line in lines[index:index + 2]:
        if _VENUE_LINE.search(fold(line)) and not find_dates(line, anchor):
            return line.rstrip(" .")
    return None


def _is_field(line: str) -> bool:
    """A "Label : value" line already stored in its own field (date, place, audience, deadline)."""
    return bool(re.match(r"^(?:dates?|lieux?|public|horaires?|date limite[^:]*)\s*:", fold(line)))


def _blocks(root: Tag, anchor: date) -> list[_Block]:
    """Leaf blocks in document order; ``<br>`` splits lines. A bold-only paragraph is a heading."""
    for br in root.find_all("br"):
        br.replace_with("\n")
    blocks = []
    leaves = _leaves(_tags(root, _BLOCK_NAMES)) or [root]
    for el in leaves:
        lines = [_clean(line) for line in el.get_text().split("\n")]
        lines = [line for line in lines if line]
        if not lines:
            continue
        text = " ".join(lines)
        heading = (el.name in _HEADINGS or _bold_only(el)) and len(text) <= _MAX_HEADING
        blocks.append(_Block(el, lines, heading and not find_dates(text, anchor)))
    return blocks


def _leaves(blocks: list[Tag]) -> list[Tag]:
    """The blocks with no block inside: each block marks its ancestors once, instead of each
    block searching its own descendants (quadratic on long pages)."""
    enclosing: set[int] = set()
    for el in blocks:
        parent = el.parent
        while parent is not None and id(parent) not in enclosing:
            enclosing.add(id(parent))
            parent = parent.parent
    return [el for el in blocks if id(el) not in enclosing]


def _tags(root: Tag, names: frozenset[str]) -> list[Tag]:
    """``root.find_all(names)`` in document order. BeautifulSoup 4.13+ builds a matcher of
    one rule per name at every call: that cost more than the walk itself on a detail page."""
    return [el for el in root.descendants if isinstance(el, Tag) and el.name in names]


def _bold_only(el: Tag) -> bool:
    if el.name != "p":
        return False
    bold = "".join(b.get_text() for b in _tags(el, _BOLD) if not any(p.name in _BOLD for p in b.parents))
    return bool(bold.strip()) and _clean(bold) == _clean(el.get_text(" "))


def _sections(blocks: list[_Block]) -> list[tuple[str | None, list[str]]]:
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    for block in blocks:
        if block.heading:
            sections.append((" ".join(block.lines), []))
        else:
            sections[-1][1].extend(block.lines)
    return [(h, lines) for h, lines in sections if h or lines]


def _body(soup: BeautifulSoup) -> Tag:
    """The article: the first tag passing the best of ``_BODY_TESTS`` that any tag passes (one walk)."""
    if not soup.body:
        return soup
    firsts: list[Tag | None] = [None] * len(_BODY_TESTS)
    for el in soup.descendants:
        if isinstance(el, Tag):
            for rank, test in enumerate(_BODY_TESTS):
                if firsts[rank] is None and test(el):
                    firsts[rank] = el
            if firsts[0] is not None:
                break
    return next(found for found in firsts if found is not None)


def _first(root: Tag, test) -> Tag | None:
    """The first tag under ``root``, in document order, that passes ``test``."""
    return next((el for el in root.descendants if isinstance(el, Tag) and test(el)), None)


def _meta(soup: BeautifulSoup, name: str) -> Tag | None:
    """``<meta property="og:...">``: ``soup.find("meta", property=name)`` without building a matcher."""
    return _first(soup, lambda el: el.name == "meta" and el.get("property") == name)


def _has_class(el: Tag, name: str) -> bool:
    """Whether ``el`` is of class ``name`` (CSS ``.name``)."""
    classes = el.get("class") or ()
    return name in (_CLASS_NAMES.findall(classes) if isinstance(classes, str) else classes)


def _first_lines(body: Tag) -> str:
    """The opening of the article, where a report says "s'est déroulée le 8 octobre"."""
    paragraphs = list(islice((el for el in body.descendants if isinstance(el, Tag) and el.name == "p"), 2))
    return " ".join(p.get_text(" ") for p in paragraphs)


def _post_date(soup: BeautifulSoup) -> date | None:
    """When the page was published (the anchor for years): meta tag, then ``<time datetime>``."""
    meta = _meta(soup, "article:published_time")
    candidates = [meta.get("content")] if meta else []
    candidates += [t.get("datetime") for t in soup.descendants if isinstance(t, Tag) and _publication_time(t)]
    for value in candidates:
        try:
            return datetime.fromisoformat(value.strip()).date()
        except (ValueError, AttributeError):
            continue
    return None


def _publication_time(el: Tag) -> bool:
    """CSS ``time.published[datetime], time[itemprop="datePublished"], .published time[datetime]``."""
    if el.name != "time":
        return False
    if el.get("itemprop") == "datePublished":
        return True
    return el.get("datetime") is not None and any(_has_class(up, "published") for up in [el, *el.parents])


def _site_name(soup: BeautifulSoup) -> str | None:
    meta = _meta(soup, "og:site_name")
    return _clean(meta["content"]) if meta and meta.get("content") else None


def _detail_links(soup: BeautifulSoup, url: str) -> list[str]:
    """Same-site pages linked from headings: the items of a calendar list or a blog home."""
    links = []
    for heading in _tags(soup, _TEASER_HEADINGS):
        target = _heading_link(heading, url)
        if target and target not in links and target != _without_fragment(url):
            links.append(target)
    return links


def _heading_link(element: Tag, url: str) -> str | None:
    """The same-site page an ``h1``-``h4`` links to, as a list item's title does."""
    if element.name not in _TEASER_HEADINGS:
        return None
    anchor = next((a for a in _tags(element, _A) if a.get("href") is not None), None)
    return _same_site(url, anchor["href"]) if anchor else None


def _announces_itself(soup: BeautifulSoup, url: str, details: list[str], anchor: date) -> bool:
    """Whether the page's own text, from its ``h1`` down to the first teaser heading, dates a session.

    Drupal node 352 states "Date : jeudi 20 mai 2027" under its own ``h1`` and then, in a
    sidebar views block "Autres formations", links two other nodes from ``<h3><a>``: a detail
    page. The Joomla category list has an ``h1`` too, but its introduction has no date: each
    date line sits under a teaser's linked ``h2``.
    """
    lines, titled = [], False
    for block in _blocks(soup.body or soup, anchor):
        if _heading_link(block.element, url) in details:
            break
        titled = titled or block.element.name == "h1"
        if titled:
            lines += block.lines
    return _session_date(lines, anchor) is not None


def _anchors(soup: BeautifulSoup) -> list[Tag]:
    """The page's ``<a href>``, in order (``find_all("a", href=True)``, read once for two uses)."""
    return [a for a in _tags(soup, _A) if a.get("href") is not None]


def _pagination_links(anchors: list[Tag], url: str) -> list[str]:
    links = []
    for anchor in anchors:
        target = _same_site(url, anchor["href"])
        label = fold(anchor.get_text(" ")).strip()
        is_page = _PAGINATION_HREF.search(anchor["href"]) or label in _PAGINATION_TEXT \
            or "next" in (anchor.get("rel") or [])
        if target and is_page and target not in links and target != _without_fragment(url):
            links.append(target)
    return links


def _links(anchors: list[Tag], url: str) -> list[str]:
    """Every same-site page the page links to, in order, once."""
    links = []
    for anchor in anchors:
        target = _same_site(url, anchor["href"])
        if target and target not in links and target != _without_fragment(url):
            links.append(target)
    return links


def _same_site(url: str, href: str) -> str | None:
    """The absolute link when it stays on the page's host and is a page worth fetching."""
    href = href.strip()
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
        return None
    target = _without_fragment(urljoin(url, href))
    if urlsplit(target).netloc != urlsplit(url).netloc or _SKIPPED_LINKS.search(target):
        return None
    return target


def _page_uid(url: str) -> str | None:
    """A Joomla article (``/1045-rgpd``) or WordPress post URL is the session's stable id."""
    path = urlsplit(url).path
    if _JOOMLA_ARTICLE.search(path) or _WORDPRESS_POST.search(path):
        return _without_fragment(url).split("?")[0]
    return None


def _without_fragment(url: str) -> str:
    return urldefrag(url)[0]


def _clean(text: str) -> str:
    # \s of a str pattern is Unicode whitespace: it takes the no-break spaces (\xa0) too.
    return re.sub(r"\s+", " ", text).strip()

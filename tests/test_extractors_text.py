"""Text extractors (html, feeds, pdf) on the bundled demo sites' files and on small inputs.

Pure function calls on bytes read from disk; the HTTP crawl of the same sites is tested
elsewhere. The site walks keep each site's ``expected.json`` honest.
"""
import json
from collections import deque
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.extractors import feeds, html, pdf, wordpress
from crawler.extractors.base import ExtractError
from crawler.sites import SITES_DIR, resolve

REF = date(2026, 11, 25)
JOOMLA = SITES_DIR / "bd-joomla"
ABF = SITES_DIR / "abf-blog"
CATALOGUE = SITES_DIR / "bd-pdf" / "catalogue-formations-2027.pdf"
HOST = "http://site.test"


def run_html(relative_file: str, url_path: str):
    return html.extract((SITES_DIR / relative_file).read_bytes(), HOST + url_path, REF)


def extract_file(path: Path, url: str):
    module = {".pdf": pdf, ".xml": feeds}.get(path.suffix, html)
    return module.extract(path.read_bytes(), url, REF)


def walk(site: str, start: str = "/"):
    """Follow the extractors' links from the home page, as the spider does, without HTTP."""
    root, seen, queue, sessions = SITES_DIR / site, set(), deque([HOST + start]), []
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        parts = urlsplit(url)
        found = resolve(root, parts.path, parts.query)
        assert found is not None, f"broken link {url}"
        result = extract_file(found, url)
        sessions += result.sessions
        queue.extend(result.follow)
    return sessions, seen


def summary(sessions):
    rows = [{k: s[k] for k in ("title", "start", "end", "place", "status")} for s in sessions]
    return sorted(rows, key=lambda r: (r["start"], r["title"]))


def expected(site: str):
    rows = json.loads((SITES_DIR / site / "expected.json").read_text())
    return sorted(({k: r[k] for k in ("title", "start", "end", "place", "status")} for r in rows),
                  key=lambda r: (r["start"], r["title"]))


# --- html: the Joomla BD site -------------------------------------------------------------

def test_list_page_follows_every_detail_page_and_the_next_page():
    first = run_html("bd-joomla/formations/s-inscrire.html", "/formations/s-inscrire")
    second = run_html("bd-joomla/formations/s-inscrire@start=10", "/formations/s-inscrire?start=10")
    details = {f"{HOST}/formations/s-inscrire/{p.stem}" for p in (JOOMLA / "formations/s-inscrire").iterdir()}
    assert first.sessions == [] and second.sessions == []
    assert details == {u for u in first.follow + second.follow if "start=" not in u and u != f"{HOST}/formations/s-inscrire"}
    assert f"{HOST}/formations/s-inscrire?start=10" in first.follow
    # Print views (?tmpl=component&print=1) serve the same article again: never followed.
    assert not any("print=1" in u for u in first.follow + second.follow)


def test_detail_page_gives_one_session_with_every_field():
    result = run_html("bd-joomla/formations/s-inscrire/1045-rgpd-a-la-bibliotheque.html",
                      "/formations/s-inscrire/1045-rgpd-a-la-bibliotheque")
    [session] = result.sessions
    assert session["title"] == "Le RGPD à la bibliothèque : comprendre et appliquer"
    assert (session["start"], session["end"]) == ("2027-01-14T09:00:00+01:00", "2027-01-14T12:00:00+01:00")
    assert session["place"] == "Médiathèque départementale, salle de formation, Lysbourg"
    assert session["audience"] == "bibliothécaires salariés et bénévoles du réseau"
    assert session["registration_deadline"] == "2026-12-17"
    assert session["date_text"] == "Jeudi 14 janvier 2027, 9 h 00 – 12 h 00"
    assert session["organiser"] == "Médiathèque départementale du Val-de-Lys"
    assert session["uid"] == session["url"] == f"{HOST}/formations/s-inscrire/1045-rgpd-a-la-bibliotheque"
    assert session["status"] == "scheduled"
    assert "délégué à la protection des données" in session["description"]
    assert "Date limite" not in session["description"]  # stored in its own field


def test_print_view_url_gives_the_article_uid_without_query():
    url = "/formations/s-inscrire/1049-atelier-d-autodefense-numerique?tmpl=component&print=1&layout=default&page="
    [session] = run_html("bd-joomla/formations/s-inscrire/1049-atelier-d-autodefense-numerique.html", url).sessions
    assert session["uid"] == f"{HOST}/formations/s-inscrire/1049-atelier-d-autodefense-numerique"
    # "9 h 000" is a typo seen on an ABF Bourgogne page: read as 9:00.
    assert session["start"] == "2026-12-11T09:00:00+01:00"


def test_multi_part_session_lists_every_day():
    [session] = run_html("bd-joomla/formations/s-inscrire/1047-formation-initiale-fonctionnement-d-une-bibliotheque.html",
                         "/formations/s-inscrire/1047-formation-initiale").sessions
    assert (session["start"], session["end"], session["all_day"]) == ("2027-03-22", "2027-04-13", True)
    assert [o["start"] for o in session["occurrences"]] == ["2027-03-22", "2027-03-23", "2027-04-12", "2027-04-13"]


def test_cancelled_session_keeps_its_date_and_loses_the_title_prefix():
    [session] = run_html("bd-joomla/formations/s-inscrire/1055-bebes-lecteurs-lire-avec-les-tout-petits.html",
                         "/formations/s-inscrire/1055-bebes-lecteurs").sessions
    assert session["status"] == "cancelled"
    assert session["title"] == "Bébés lecteurs : lire avec les tout-petits"
    assert session["start"] == "2027-01-22T09:30:00+01:00"


@pytest.mark.parametrize("relative, path, kind", [
    ("bd-joomla/le-metier/retour-de-formation/1101-retour-sur-la-journee-accueil.html",
     "/le-metier/retour-de-formation/1101-retour-sur-la-journee-accueil", "report"),
    ("bd-joomla/mentions-legales/donnees-personnelles.html", "/mentions-legales/donnees-personnelles", "legal"),
    ("abf-blog/2026/10/20/compte-rendu-de-la-journee-du-8-octobre/index.html",
     "/2026/10/20/compte-rendu-de-la-journee-du-8-octobre/", "report"),
])
def test_reports_and_legal_pages_give_no_session(relative, path, kind):
    result = run_html(relative, path)
    assert (result.sessions, result.follow, result.strategy) == ([], [], f"html:{kind}")


def test_drupal_node_352_with_an_autres_formations_block_gives_its_own_session():
    """Its sidebar links two other nodes from ``<h3><a>`` as a list does; it was taken for one."""
    result = run_html("drupal/node/352", "/node/352")
    assert [(s["title"], s["start"]) for s in result.sessions] == [
        ("Valoriser le fonds local", "2027-05-20T09:30:00+02:00")]
    assert result.strategy == "html:text"


def test_teaser_headings_after_a_dated_title_outside_any_sidebar_do_not_make_a_list():
    body = page("<h1>Valoriser le fonds local</h1><p>Date : jeudi 20 mai 2027, 9h30-16h30</p>"
                '<div class="block-views"><h2>Autres formations</h2>'
                '<h3><a href="/node/345">Protéger sa vie privée en ligne</a></h3>'
                '<h3><a href="/node/346">Lire à voix haute</a></h3></div>')
    [session] = html.extract(body, "http://x.test/node/352", REF).sessions
    assert (session["title"], session["start"]) == ("Valoriser le fonds local", "2027-05-20T09:30:00+02:00")


def test_home_page_leads_to_the_training_list_and_the_legal_page():
    result = run_html("bd-joomla/index.html", "/")
    assert result.sessions == []
    assert f"{HOST}/formations/s-inscrire" in result.follow
    assert f"{HOST}/mentions-legales/donnees-personnelles" in result.follow


# --- html: blog posts and small inputs ------------------------------------------------------

def test_post_announcing_three_study_days_gives_three_sessions_with_inferred_year():
    result = run_html("abf-blog/2026/11/12/trois-journees-d-etude-au-premier-semestre/index.html",
                      "/2026/11/12/trois-journees-d-etude-au-premier-semestre/")
    assert [(s["title"], s["start"], s["end"], s["place"]) for s in result.sessions] == [
        ("Désherber, trier, donner : la seconde vie des documents", "2027-01-14T09:00:00+01:00",
         "2027-01-14T12:00:00+01:00", "Bibliothèque municipale de Dole-sur-Lys"),
        ("Accueillir les publics allophones", "2027-02-11T09:30:00+01:00", "2027-02-11T16:30:00+01:00",
         "Médiathèque de Pont-de-Lys"),
        ("La bibliothèque, tiers-lieu en milieu rural", "2027-03-18T09:00:00+01:00", "2027-03-18T16:30:00+01:00",
         "Médiathèque intercommunale de Montfort-la-Lys"),
    ]
    assert result.sessions[0]["date_text"] == "JEUDI 14 JANVIER 9 H 00 – 12 H 00"
    assert all(s["uid"] is None for s in result.sessions)  # one post, several sessions: no page id


def test_postponed_post_ignores_the_update_date():
    [session] = run_html("abf-blog/2026/09/15/cafe-abf-la-musique-en-bibliotheque/index.html",
                         "/2026/09/15/cafe-abf-la-musique-en-bibliotheque/").sessions
    # "Mise à jour du 20 novembre : ... reporté" comes first but is not the session's date.
    assert (session["status"], session["start"]) == ("postponed", "2026-12-03T09:00:00+01:00")


def page(body: str) -> bytes:
    return f"<html><head><title>Agenda</title></head><body><main>{body}</main></body></html>".encode()


def test_impossible_date_is_a_problem_not_a_session():
    body = page("<h1>Journées d'étude</h1>"
                "<h3>Le numérique en bibliothèque</h3><p>31 février 2025, 9h-12h</p>"
                "<h3>Accueillir les tout-petits</h3><p>Jeudi 13 mars 2025, 9h-12h</p>")
    result = html.extract(body, "http://x.test/agenda", date(2025, 1, 10))
    assert [s["title"] for s in result.sessions] == ["Accueillir les tout-petits"]
    assert result.problems == ["date illisible « 31 février 2025 » pour « Le numérique en bibliothèque »"]


def test_a_weekday_contradicting_its_date_keeps_the_session_and_is_reported():
    body = page("<h1>Journées d'étude</h1>"
                "<h3>Protéger ses données</h3><p>Mardi 14 mars 2027, 9h-12h</p>"
                "<h3>Accueillir les tout-petits</h3><p>Jeudi 18 mars 2027, 9h-12h</p>")
    result = html.extract(body, "http://x.test/agenda", REF)
    assert [(s["title"], s["start"]) for s in result.sessions] == [
        ("Protéger ses données", "2027-03-14T09:00:00+01:00"), ("Accueillir les tout-petits", "2027-03-18T09:00:00+01:00")]
    assert result.problems == ["jour de la semaine incohérent dans « Mardi 14 mars 2027, 9h-12h » : le 14/03/2027 "
                               "est un dimanche ; date écrite retenue, pour « Protéger ses données »"]


def test_list_carrying_title_and_date_without_detail_links_gives_sessions():
    body = page("<h1>Calendrier</h1><h2>Désherbage</h2><p>mardi 3 juin 2025</p><p>Lieu : Riom</p>"
                "<h2>Bébés lecteurs</h2><p>jeudi 5 juin 2025, 14h-17h</p>")
    result = html.extract(body, "http://x.test/calendrier", date(2025, 5, 1))
    assert [(s["title"], s["start"], s["place"]) for s in result.sessions] == [
        ("Désherbage", "2025-06-03", "Riom"), ("Bébés lecteurs", "2025-06-05T14:00:00+02:00", None)]


def test_session_before_the_post_date_is_a_past_mention():
    body = page('<h1>Café ABF</h1><time class="published" datetime="2025-04-01T10:00:00+02:00">1er avril</time>'
                "<p>Comme le jeudi 13 mars 2025, nous vous attendons.</p>")
    assert html.extract(body, "http://x.test/cafe", date(2025, 4, 2)).sessions == []


# --- pdf ------------------------------------------------------------------------------------

def announcement(title: str) -> str:
    return page(f"<h1>{title}</h1><p>Mardi 15 décembre 2026, 9 h 30 - 12 h</p>").decode()


@pytest.mark.parametrize("title, encoding, content_type", [
    ("Atelier : protéger ses données personnelles à la médiathèque", "cp1252", "text/html; charset=utf-8"),
    ("Café numérique : réseaux sociaux et vie privée", "utf-8", "text/html; charset=windows-1252"),
    ("Journée d'étude : sécurité numérique des bibliothèques", "cp1252", None),
])
def test_hostile_web_charset_pages_are_not_read_as_cp1250(title, encoding, content_type):
    """The fault server's pages: charset_normalizer, asked by BeautifulSoup, read the cp1252
    ones as cp1250 ("ŕ la médiathčque")."""
    body = announcement(title).encode(encoding)
    [session] = html.extract(body, "http://x.test/atelier", REF, content_type=content_type).sessions
    assert session["title"] == title


def test_page_declared_iso_8859_1_keeps_its_curly_apostrophe():
    body = announcement("Atelier : l’identité numérique").replace("<head>", '<head><meta charset="iso-8859-1">')
    [session] = html.extract(body.encode("cp1252"), "http://x.test/atelier", REF).sessions
    assert session["title"] == "Atelier : l’identité numérique"


def test_drupal_node_345_with_a_control_character_in_its_meta_charset_reads_as_before():
    """``<meta charset="\x15tf-8">`` (one flipped bit): lxml raised ValueError on the name."""
    body = (SITES_DIR / "drupal" / "node" / "345").read_bytes()
    broken = body.replace(b'<meta charset="utf-8">', b'<meta charset="\x15tf-8">')
    assert broken != body
    sessions = html.extract(broken, HOST + "/node/345", REF).sessions
    assert sessions and sessions == html.extract(body, HOST + "/node/345", REF).sessions


@pytest.mark.parametrize("dates, start, problem", [
    ("mardi 14 mars 2027", "2027-03-14", "jour de la semaine incohérent dans « mardi 14 mars 2027 » : "
                                          "le 14/03/2027 est un dimanche ; date écrite retenue, pour « RGPD »"),
    ("31 février 2027", None, "date illisible « 31 février 2027 » pour « RGPD »"),
])
def test_a_pdf_block_with_a_doubtful_date_is_reported(dates, start, problem):
    problems = []
    session = pdf._catalogue_session("RGPD", [f"Dates : {dates}", "Lieu : Riom"], "http://x.test/c.pdf", REF, problems)
    assert (session and session["start"], problems) == (start, [problem])


def test_pdf_catalogue_sessions_across_columns_and_pages():
    result = pdf.extract(CATALOGUE.read_bytes(), "http://x.test/catalogue-formations-2027.pdf", REF)
    assert result.problems == []
    by_title = {s["title"]: s for s in result.sessions}
    assert list(by_title) == [
        "Accueillir les publics en situation de handicap",
        "Cybersécurité : mots de passe, sauvegardes et hameçonnage",
        "Monter un club de lecture ados",  # head at the bottom of column 1, text at the top of column 2
        "Le conte et les tout-petits",  # second paragraph on page 2
        "Valoriser les fonds locaux et patrimoniaux",
        "Initiation au logiciel de gestion de bibliothèque",
    ]
    club = by_title["Monter un club de lecture ados"]
    assert club["description"].startswith("Deux jours pour lancer un club de lecture")
    assert (club["start"], club["end"]) == ("2027-04-06", "2027-04-07")
    tale = by_title["Le conte et les tout-petits"]
    assert tale["description"].endswith("chaque stagiaire repart avec un répertoire de comptines.")
    assert "page 1/2" not in tale["description"]  # the running footer is dropped
    first = by_title["Accueillir les publics en situation de handicap"]
    assert first["place"] == "Bibliothèque départementale, Saint-Vallier-d'Azur"  # wrapped "Lieu :" value
    assert first["audience"] == "salariés et bénévoles du réseau"
    assert [o["start"] for o in by_title["Valoriser les fonds locaux et patrimoniaux"]["occurrences"]] == [
        "2027-05-18", "2027-05-25"]


def test_catalogue_pdf_is_what_its_script_generates():
    from tests.fixtures.make_pdf_catalogue import build

    assert build() == CATALOGUE.read_bytes()


@pytest.mark.parametrize("body", [b"<html>not a pdf</html>", b"", b"%PDF-1.4\n garbage"])
def test_not_a_pdf_raises_extract_error(body):
    with pytest.raises(ExtractError):
        pdf.extract(body, "http://x.test/x.pdf", REF)


# --- feeds ----------------------------------------------------------------------------------

def rss(items: str, encoding: str = "utf-8") -> bytes:
    return (f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>'
            f"<title>Groupe ABF Comté</title><link>http://x.test/</link>{items}</channel></rss>").encode(encoding)


def test_latin1_feed_is_decoded():
    item = ("<item><title>Journée d'étude : l'accueil des bénévoles</title><link>http://x.test/je/</link>"
            "<pubDate>Mon, 02 Dec 2024 10:00:00 +0100</pubDate>"
            "<description>&lt;p&gt;JEUDI 16 JANVIER&lt;br&gt;9 H 30 – 16 H 30&lt;/p&gt;"
            "&lt;p&gt;Médiathèque de Besançon&lt;/p&gt;</description></item>")
    body = rss(item.replace("–", "-"), "iso-8859-1")
    [session] = feeds.extract(body, "http://x.test/feed/", date(2026, 11, 25)).sessions
    assert session["title"] == "Journée d'étude : l'accueil des bénévoles"
    # The year comes from the entry's pubDate (Dec 2024), not from the crawl date (2026).
    assert session["start"] == "2025-01-16T09:30:00+01:00"
    assert session["place"] == "Médiathèque de Besançon"
    assert session["organiser"] == "Groupe ABF Comté"


def test_feed_entry_without_session_date_gives_nothing():
    item = ("<item><title>Nouveau bureau</title><link>http://x.test/b/</link>"
            "<pubDate>Mon, 02 Dec 2024 10:00:00 +0100</pubDate><description>Élu en assemblée.</description></item>")
    assert feeds.extract(rss(item), "http://x.test/feed/", REF).sessions == []


def test_abf_feed_with_an_unterminated_cdata_description_reads_the_other_posts():
    """``<description><![CDATA[]></description>`` leaves feedparser an entry whose summary is None."""
    body = (ABF / "feed" / "index.xml").read_bytes()
    start = body.index(b"<description><![CDATA[", body.index(b"<item>"))
    end = body.index(b"]]></description>", start) + len(b"]]></description>")
    broken = body[:start] + b"<description><![CDATA[]></description>" + body[end:]
    titles = [s["title"] for s in feeds.extract(broken, HOST + "/feed/", REF).sessions]
    whole = [s["title"] for s in feeds.extract(body, HOST + "/feed/", REF).sessions]
    assert titles == [t for t in whole if t != "Café ABF : les jeux vidéo en bibliothèque"] != whole


def test_not_a_feed_raises_extract_error():
    with pytest.raises(ExtractError):
        feeds.extract(b"just some words", "http://x.test/feed/", REF)


# --- WordPress REST posts -------------------------------------------------------------------

def test_wp_rest_posts_give_the_same_sessions_as_the_feed():
    """The wp-rest fixture site's /wp-json/wp/v2/posts was sniffed as OpenAgenda and gave nothing."""
    site = SITES_DIR / "wp-rest"
    api = wordpress.extract((site / "wp-json/wp/v2/posts/index.json").read_bytes(), f"{HOST}/wp-json/wp/v2/posts", REF)
    feed = feeds.extract((site / "feed/index.xml").read_bytes(), f"{HOST}/feed/", REF)
    fields = ("uid", "title", "start", "end", "place", "url", "description")
    assert [{k: s[k] for k in fields} for s in api.sessions] == [{k: s[k] for k in fields} for s in feed.sessions]
    assert (len(api.sessions), api.problems, api.follow, api.strategy) == (3, [], [], "wp-rest")


def test_wp_rest_post_date_anchors_a_date_without_year():
    post = {"id": 901, "date": "2026-11-18T10:12:00", "link": "/2026/11/18/cafe-abf/",
            "title": {"rendered": "Caf&eacute; ABF"},
            "content": {"rendered": "<p>JEUDI 14 JANVIER</p><p>9 H 00 – 12 H 00</p>"}}
    body = json.dumps([post]).encode()
    [session] = wordpress.extract(body, "http://x.test/wp-json/wp/v2/posts", date(2025, 1, 6)).sessions
    assert (session["title"], session["start"]) == ("Café ABF", "2027-01-14T09:00:00+01:00")
    assert session["url"] == "http://x.test/2026/11/18/cafe-abf/"


def test_wp_rest_post_without_content_is_a_problem():
    body = json.dumps([{"id": 902, "title": {"rendered": "Brouillon"}}]).encode()
    result = wordpress.extract(body, "http://x.test/wp-json/wp/v2/posts", REF)
    assert (result.sessions, result.problems) == ([], ["article WordPress n° 902 ignoré : titre ou contenu absent"])


# --- the demo sites as a whole --------------------------------------------------------------

@pytest.mark.parametrize("site", ["bd-joomla", "abf-blog", "bd-pdf"])
def test_walking_the_site_finds_exactly_expected_json(site):
    sessions, _ = walk(site)
    assert summary(sessions) == expected(site)


def test_abf_feed_gives_the_same_sessions_as_the_pages():
    result = feeds.extract((ABF / "feed" / "index.xml").read_bytes(), f"{HOST}/feed/", REF)
    assert summary(result.sessions) == expected("abf-blog")
    # Relative item links are resolved against the feed's URL (fixture ports are random).
    assert result.sessions[0]["url"].startswith(f"{HOST}/2026/")


def test_joomla_walk_never_fetches_print_views_and_reaches_page_two():
    _, fetched = walk("bd-joomla")
    assert f"{HOST}/formations/s-inscrire?start=10" in fetched
    assert not any("print=1" in url for url in fetched)


@pytest.mark.parametrize("site", ["bd-joomla", "abf-blog", "bd-pdf"])
def test_site_has_robots_and_privacy_labels(site):
    rows = json.loads((SITES_DIR / site / "expected.json").read_text())
    assert (SITES_DIR / site / "robots.txt").read_text().startswith("User-agent: *\nDisallow: /")
    assert any(r["privacy"] for r in rows) and not all(r["privacy"] for r in rows)

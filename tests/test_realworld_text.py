"""The text extractors on real files from ../shared/realworld (facts from its SOURCES.md).

The feeds are not French training calendars: what is pinned is that every entry is read
(count, first title, encodings) and that no session is invented from a pubDate.
"""
from datetime import date

import pytest

from crawler.extractors import feeds, pdf

REF = date(2026, 11, 25)


def read(shared, folder, name):
    return (shared / "realworld" / folder / name).read_bytes()


@pytest.mark.parametrize("name, count, feed_title, first_title, published", [
    ("univ-paris3_kjsp_rss2.rss", 10, "Université Sorbonne Nouvelle - Paris 3",
     "Le portrait d'Anne-Isabelle François exposé au CNAM  pour l'exposition \"Infinités Plurielles\"",
     date(2014, 6, 24)),
    ("univ-paris10_kjsp_rss2.rss", 10, "Université",
     "Pour éviter les files d’attente, je prends rendez-vous pour ma convention de stage et mon avenant.",
     date(2014, 6, 24)),
    ("jn-pt_iso-8859-1_rss2.rss", 40, "Jornal de Notícias - Últimas Notícias",
     "Mãe de utente é a nova presidente da Raríssimas", date(2018, 1, 3)),
    ("heise_developer.atom", 15, "heise developer neueste Meldungen",
     "Java-Anwendungsserver: Red Hat gibt WildFly 10 frei", date(2016, 2, 1)),
    ("craigslist_rss1-rdf.rss", 25, "craigslist SF bay area | apts/housing for rent search",
     # Inside CDATA the entity stays literal, and the <sup> markup is kept as text.
     "Bright, Spacious Beautiful Victorian (oakland north / temescal) &#x0024;4300 3bd 1930ft<sup>2</sup>",
     date(2017, 6, 21)),
    ("reddit_home.atom", 24, "reddit: the front page of the internet",
     "How the British as seen by Americans and Europeans", date(2016, 1, 26)),
])
def test_feed_entries_titles_and_dates(shared, name, count, feed_title, first_title, published):
    feed = feeds.read_feed(read(shared, "feeds", name), "http://x.test/feed")
    assert len(feed.entries) == count
    assert feed.title == feed_title
    assert feed.entries[0].title == first_title
    assert feed.entries[0].published == published  # the stated local day, not UTC


def test_undeclared_latin1_feed_with_portuguese_dates(shared):
    body = read(shared, "feeds", "uol_no-xml-decl_latin1_rss.rss")
    feed = feeds.read_feed(body, "http://x.test/feed")
    assert (len(feed.entries), feed.title) == (15, "UOL Noticias")
    assert feed.entries[0].title == "Ibope: Bolsonaro perde de Haddad, Ciro e Alckmin em simulações de 2º turno"
    # "Seg, 24 Set 2018 19:42:40 -0300" is Portuguese: no RFC 822 parser reads it, so the
    # entry has no post date rather than a wrong one.
    assert feed.entries[0].published is None
    result = feeds.extract(body, "http://x.test/feed", REF)
    # A US-style "09/24/2018" in an entry is reported, never read as day 9 of month 24.
    assert result.sessions == []
    assert any("09/24/2018" in problem for problem in result.problems)


def test_news_feeds_give_no_session_from_pubdates(shared):
    for name in ("univ-paris3_kjsp_rss2.rss", "jn-pt_iso-8859-1_rss2.rss", "heise_developer.atom",
                 "craigslist_rss1-rdf.rss", "reddit_home.atom"):
        assert feeds.extract(read(shared, "feeds", name), "http://x.test/feed", REF).sessions == [], name


def test_university_feed_event_dated_from_its_text_with_the_entry_year(shared):
    result = feeds.extract(read(shared, "feeds", "univ-paris10_kjsp_rss2.rss"), "http://x.test/feed", REF)
    sessions = {s["title"]: s for s in result.sessions}
    # "le vendredi 23 Mai de 9h30 à 17h30": no year in the text, 2014 from the entry's pubDate.
    anthropology = sessions["50 ans d'Anthropologie à Nanterre"]
    assert (anthropology["start"], anthropology["end"]) == ("2014-05-23T09:30:00+02:00", "2014-05-23T17:30:00+02:00")


@pytest.mark.parametrize("name, header, title, date_line, place, count, first, last", [
    ("oa_event-page_bibliotheque-meriadeck.pdf", "Bordeaux Métropole",
     "[Hors les murs] Suzanne Martin à la Bibliothèque Mériadeck.", "25 avril - 2 juin",
     "Bibliothèque Mériadeck, 85 cours du Maréchal Juin, Bordeaux", 33,
     "2025-04-25T10:00:00+02:00", "2025-06-02T13:00:00+02:00"),
    ("oa_event-page_begles.pdf", "Ville de Bègles", "Permanences Addictions du CEID à l'Info Jeunes de Bègles",
     "8 janvier - 26 février, certains mercredis", "Info Jeunes de Bègles, 21 rue Calixte Camelle 33130 Bègles",
     5, "2025-01-08T18:00:00+01:00", "2025-02-26T17:00:00+01:00"),
    ("oa_event-page_quinzaine.pdf", "Quinzaine du commerce équitable",
     "Le Commerce Equitable en magasin bio avec BIOPARTENAIRE®", "10 - 24 mai",
     "LES COMPTOIRS DE LA BIO Jayat, bourg en bresse", 13,
     "2025-05-10T09:00:00+02:00", "2025-05-24T09:00:00+02:00"),
])
def test_openagenda_event_sheet(shared, name, header, title, date_line, place, count, first, last):
    result = pdf.extract(read(shared, "pdf", name), "http://x.test/sheet.pdf", REF)
    [session] = result.sessions
    assert (session["organiser"], session["title"], session["date_text"]) == (header, title, date_line)
    assert session["place"] == place
    starts = [o["start"] for o in session["occurrences"]]
    assert (len(starts), starts[0], starts[-1]) == (count, first, last)
    assert session["start"] == first


def test_meriadeck_schedule_over_two_pages_and_hyphenation(shared):
    [session] = pdf.extract(read(shared, "pdf", "oa_event-page_bibliotheque-meriadeck.pdf"),
                            "http://x.test/sheet.pdf", REF).sessions
    # Page 2 repeats the header and title: they are not read twice.
    assert session["description"].count("Venez découvrir") == 1
    # "Biblioth-" / "-èque": the line-break hyphenation of the PDF text is joined.
    assert session["description"].endswith("sur le web de la Bibliothèque")


def test_begles_schedule_in_two_month_columns(shared):
    [session] = pdf.extract(read(shared, "pdf", "oa_event-page_begles.pdf"), "http://x.test/s.pdf", REF).sessions
    assert [o["start"][:16] for o in session["occurrences"]] == [
        "2025-01-08T18:00", "2025-01-15T18:00", "2025-01-29T18:00", "2025-02-12T18:00", "2025-02-26T17:00"]


def test_multi_column_schedule_test_page(shared):
    [session] = pdf.extract(read(shared, "pdf", "oa_add-timings.pdf"), "http://x.test/s.pdf", REF).sessions
    starts = [o["start"] for o in session["occurrences"]]
    assert session["title"] == "Affichage des horaires sur plusieurs colonnes"
    # 90 days, 2 Oct - 30 Dec 2025, read across columns and a page break that repeats "Novembre 2025".
    assert (len(starts), starts[0], starts[-1]) == (90, "2025-10-02T00:00:00+02:00", "2025-12-30T00:00:00+01:00")
    assert len(set(starts)) == 90

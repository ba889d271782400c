"""Datasette as a volunteer uses it, in headless Chromium: read, search, log in, triage, maps,
where to offer a workshop; and a scraped title holding <script> shows as text and runs nothing."""
import pytest
from playwright.sync_api import expect, sync_playwright

from crawler.digest import french_days
from datasette_helpers import ABF, BD22, BD26, BD35, PASSWORD, SCRIPT_TITLE, VITRE, VOLUNTEER, course_days, sid

pytest_plugins = ["conftest_datasette"]

CHROMIUM = "/usr/bin/chromium"  # Debian's package; never `playwright install`
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, datasette):
    """A fresh page that may only reach Datasette (map tiles are refused) and records any dialog."""
    context = browser.new_context(locale="fr-FR", base_url=datasette.url)
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(datasette.url) else route.abort())
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()


def test_index_leads_to_the_upcoming_sessions(page):
    page.goto("/")
    expect(page.locator("h1")).to_have_text("Veille formations vie privée")
    expect(page.locator('a[href="/veille/calendrier.ics"]')).to_be_visible()
    page.get_by_role("link", name="Prochaines sessions sur la vie privée").first.click()
    expect(page.locator("table.rows-and-columns tbody tr")).to_have_count(10)
    expect(page.locator("td.col-titre").first).to_have_text("Atelier hebdomadaire : sécuriser les postes publics")
    # A course in several parts is one row with all its days.
    course = page.locator("table.rows-and-columns tbody tr", has_text="parcours en quatre journées")
    expect(course.locator("td.col-jours")).to_have_text(french_days(course_days()))


def test_scraped_script_shows_as_text_and_runs_nothing(page):
    page.goto("/veille/prochaines_sessions")
    expect(page.locator("td.col-titre", has_text="alert(1)")).to_have_text(SCRIPT_TITLE)
    page.goto(f"/veille/sessions/{sid(BD26, 'script')}")
    expect(page.get_by_text(SCRIPT_TITLE).first).to_be_visible()
    page.goto("/veille/carte")
    page.wait_for_load_state("networkidle")
    assert page.dialogs == []
    page.evaluate("() => alert('contrôle')")  # the listener does catch a dialog
    assert page.dialogs == ["contrôle"]


@pytest.mark.parametrize("words", ["vie privée", "vie privee"])
def test_search_finds_with_or_without_accents(page, words):
    page.goto("/veille/recherche")
    page.fill('input[name="recherche"]', words)
    page.locator('form input[type="submit"]').first.click()
    expect(page.locator("td.col-titre", has_text="Protéger sa vie privée en ligne")).to_be_visible()
    expect(page.locator("table.rows-and-columns tbody tr")).to_have_count(4)


def test_volunteer_logs_in_and_triages_a_session(page):
    page.goto("/veille/trier")
    expect(page.get_by_text("Forbidden").or_(page.get_by_text("Permission denied")).first).to_be_visible()
    page.goto("/-/login")
    page.fill('input[name="username"]', VOLUNTEER)
    page.fill('input[name="password"]', PASSWORD)
    page.locator('form input[type="submit"]').click()
    page.goto("/veille/prochaines_sessions")
    page.locator("table.rows-and-columns tbody tr", has_text="alert(1)").get_by_role("link", name="trier").click()
    expect(page.locator('input[name="session_id"]')).to_have_value(sid(BD26, "script"))
    page.fill('input[name="etat"]', "inscrit")
    page.fill('input[name="note"]', "Camille y va")
    page.locator('form input[type="submit"]').first.click()
    expect(page.get_by_text("Tri enregistré.")).to_be_visible()
    page.goto("/veille/prochaines_sessions")
    row = page.locator("table.rows-and-columns tbody tr", has_text="alert(1)")
    expect(row.locator("td.col-tri")).to_have_text("inscrit")
    expect(row.locator("td.col-note_tri")).to_have_text("Camille y va")
    row.get_by_role("link", name="historique").click()
    expect(page.locator("td.col-quoi", has_text="tri : inscrit (par benevole)")).to_be_visible()


def test_map_shows_the_sessions_with_a_place(page):
    page.goto("/veille/carte")
    markers = page.locator(".leaflet-marker-icon")
    expect(markers.first).to_be_visible()
    assert markers.count() >= 1
    assert page.dialogs == []


def test_where_to_offer_a_workshop_in_a_region(page):
    page.goto("/")
    page.get_by_role("link", name="où le proposer").click()
    page.fill('input[name="territoire"]', "Bretagne")
    page.locator('form input[type="submit"]').first.click()
    expect(page.locator("td.col-organisme")).to_have_text([BD22.name, VITRE, ABF.name, BD35.name])
    expect(page.locator("td.col-rang").first).to_have_text("1")
    expect(page.locator("td.col-contact").first).to_have_text(BD22.contact)


def test_map_of_organisers_without_a_privacy_session(page):
    page.goto("/veille/carte_sans_vie_privee")
    expect(page.locator(".leaflet-container")).to_be_visible()
    expect(page.locator(".leaflet-marker-icon").first).to_be_visible()  # a marker or a cluster of them
    expect(page.locator("td.col-organisme")).to_have_text([BD22.name, VITRE])
    assert page.dialogs == []

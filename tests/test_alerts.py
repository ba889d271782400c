"""Alerts end to end: a real SQLite store filled like a crawl, a real SMTP server and a real
webhook on loopback, digests built and sent by crawler.alerts."""
from __future__ import annotations

from datetime import date

import pytest

from crawler.alerts import AlertsConfigError, Subscriber, build_digests, health_problems, load_config, send_digests
from crawler.digest import french_date, french_days, french_occurrences, french_span
from crawler.items import session_id
from crawler.sources import Source
from crawler.store import Store
from conftest import ROOT
from smtp_helpers import SmtpServer, WebhookServer

# The loopback SMTP server takes a password without TLS, as a small relay would.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

TODAY = date(2027, 1, 4)  # a Monday, ten days before the first session
DATASETTE = "http://127.0.0.1:8001/veille/sessions/"
SOURCES = {
    "bd-35": Source(id="bd-35", name="Médiathèque départementale d'Ille-et-Vilaine", kind="bd",
                    url="https://bd35.example.org/agenda", departement="35", region="Bretagne"),
    "bd-44": Source(id="bd-44", name="Bibliothèque départementale de Loire-Atlantique", kind="bd",
                    url="https://bd44.example.org/agenda", departement="44", region="Pays de la Loire"),
    "abf-bretagne": Source(id="abf-bretagne", name="ABF Bretagne", kind="abf",
                           url="https://abf.example.org/bretagne", region="Bretagne"),
}


def session(source_id: str, key: str, title: str, start: str, end: str | None = None, *, relevant: bool = True,
            score: float = 80, place: str = "Médiathèque, Rennes", status: str = "scheduled",
            registration_deadline: str | None = None) -> dict:
    """An item shaped like the spider's, with its match."""
    return {
        "id": session_id(source_id, key), "source_id": source_id, "uid": key, "title": title,
        "description": "Une journée de formation.", "start": start, "end": end, "all_day": len(start) == 10,
        "occurrences": [], "place": place, "organiser": "Bibliothèque départementale", "status": status,
        "url": f"https://{source_id}.example.org/formations/{key}", "date_text": start,
        "registration_deadline": registration_deadline, "audience": None, "fetched_at": "2027-01-04T06:00:00+00:00",
        "match": {"score": score, "relevant": relevant, "keywords_version": "t1",
                  "terms": [{"concept": "vie privée", "term": "vie privée", "field": "title", "text": "vie privée",
                             "similarity": 100}] if relevant else [],
                  "why": "« vie privée » dans le titre" if relevant else "aucun terme de vie privée trouvé"},
    }


PRIVACY = session("bd-35", "vp", "Protéger sa vie privée en ligne", "2027-01-14T09:30:00+01:00",
                  "2027-01-14T16:30:00+01:00")
PRIVACY_ABF = session("abf-bretagne", "vp", "Protéger sa vie privée en ligne", "2027-01-14T09:30:00+01:00",
                      "2027-01-14T16:30:00+01:00")
SCRIPT = session("bd-35", "script", "<script>alert(1)</script> Données personnelles et vie privée", "2027-02-01")
KNITTING = session("bd-35", "tricot", "Atelier tricot", "2027-01-20", relevant=False, score=0)
PAST = session("bd-35", "passe", "Vie privée : bilan 2026", "2026-12-01")
WEAK = session("bd-35", "faible", "Vie privée, un mot en passant", "2027-03-01", score=30)
RGPD = session("bd-44", "rgpd", "Le RGPD en bibliothèque", "2027-01-28T14:00:00+01:00",
               "2027-01-28T17:00:00+01:00", place="Nantes")
CATALOGUE = {"bd-35": [PRIVACY, SCRIPT, KNITTING, PAST, WEAK], "bd-44": [RGPD], "abf-bretagne": [PRIVACY_ABF]}


def crawl(store: Store, catalogue: dict[str, list[dict]], failed: tuple[str, ...] = ()) -> int:
    """One finished crawl run: every source saved (as the store pipeline does), duplicates clustered."""
    run_id = store.start_run()
    for source in SOURCES.values():
        items = catalogue.get(source.id, [])
        if source.id in failed:
            health = {"pages": 0, "items": 0, "failed": True, "finish_reason": "failed",
                      "errors": [{"url": source.url, "kind": "http", "message": "HTTP 503"}]}
        else:
            health = {"pages": 1, "items": len(items), "finish_reason": "finished", "errors": [],
                      "missing_fields": {}}
        store.save_source(run_id, source, items, health)
    store.cluster_duplicates()
    store.finish_run(run_id, {}, "finished")
    return run_id


def moved(item: dict, start: str, end: str | None = None) -> dict:
    return {**item, "start": start, "end": end}


# --- servers, database, configuration ----------------------------------------------
@pytest.fixture(scope="module")
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def webhook():
    server = WebhookServer().start()
    yield server
    server.stop()


@pytest.fixture
def servers(smtp, webhook):
    smtp.start()  # a test may have stopped it
    smtp.messages.clear()
    webhook.posts.clear()
    return smtp, webhook


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "veille.db")
    store.sync_sources(SOURCES.values())
    crawl(store, CATALOGUE)
    return store


def write_config(tmp_path, text: str):
    path = tmp_path / "alerts.yml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def config(tmp_path, servers, monkeypatch):
    """Alice reads mail (Ille-et-Vilaine), Bob a webhook (Loire-Atlantique); the SMTP password is a secret."""
    smtp, webhook = servers
    monkeypatch.setenv("SMTP_PASSWORD", smtp.password)
    mail_url = smtp.url("alice@example.org", password="${SMTP_PASSWORD}")
    return load_config(write_config(tmp_path, f"""
subscribers:
  - name: alice
    urls: ["{mail_url}"]
    departements: ["35"]
    min_score: 50
  - name: bob
    urls: ["{webhook.url()}"]
    departements: [44]
"""))


def weekly(store, config, today=TODAY):
    return send_digests(store.db, build_digests(store.db, config, today))


def announced(digest, change_key="new") -> set[str]:
    return {sid for sid, key in digest.keys if key == change_key}


def alerts_rows(store) -> list[dict]:
    return list(store.db.query("select subscriber, session_id, change_key from alerts order by id"))


def mail_parts(message) -> dict[str, str]:
    return {part.get_content_type(): part.get_content() for part in message.walk() if not part.is_multipart()}


# --- who gets what -----------------------------------------------------------------
def test_each_subscriber_gets_one_digest_with_exactly_the_relevant_sessions_of_their_departements(store, config, servers):
    smtp, webhook = servers
    digests = {d.subscriber.name: d for d in build_digests(store.db, config, TODAY)}
    # Alice: the privacy day (with its ABF copy) and the <script> one; not knitting, the past one, the weak score.
    assert announced(digests["alice"]) == {PRIVACY["id"], PRIVACY_ABF["id"], SCRIPT["id"]}
    assert announced(digests["bob"]) == {RGPD["id"]}

    result = send_digests(store.db, list(digests.values()))

    assert result["sent"] == ["alice", "bob"] and result["failed"] == []
    assert [m["To"] for m in smtp.messages] == ["alice@example.org"]
    assert len(webhook.posts) == 1 and webhook.posts[0]["path"].startswith("/hook")
    body = webhook.posts[0]["json"]["message"]
    assert "Le RGPD en bibliothèque" in body and "Protéger sa vie privée" not in body


def test_a_second_run_sends_nothing(store, config, servers):
    smtp, webhook = servers
    weekly(store, config)
    recorded = alerts_rows(store)

    assert build_digests(store.db, config, TODAY) == []
    assert weekly(store, config) == {"sent": [], "failed": [], "recorded": 0, "preview": ""}
    assert len(smtp.messages) == 1 and len(webhook.posts) == 1
    assert alerts_rows(store) == recorded


def test_a_moved_date_sends_one_change_notice(store, config, servers):
    smtp, _ = servers
    weekly(store, config)
    crawl(store, {**CATALOGUE, "bd-35": [moved(SCRIPT, "2027-02-08"), PRIVACY, KNITTING, PAST, WEAK]})

    [digest] = build_digests(store.db, config, TODAY)

    assert digest.subscriber.name == "alice"
    assert "[Modifié] <script>" in digest.text
    assert "Reportée du lundi 1er février 2027 au lundi 8 février 2027" in digest.text
    assert digest.title == "Veille formations : 1 changement"
    weekly(store, config)
    assert len(smtp.messages) == 2 and "Reportée du lundi 1er février 2027" in mail_parts(smtp.messages[1])["text/plain"]
    assert build_digests(store.db, config, TODAY) == []


def test_a_cancellation_and_a_new_place_are_told_to_those_already_told(store, config, servers):
    weekly(store, config)
    crawl(store, {**CATALOGUE, "bd-44": [{**RGPD, "status": "cancelled", "place": "Saint-Nazaire"}]})

    [digest] = build_digests(store.db, config, TODAY)

    assert digest.subscriber.name == "bob"
    assert "Annulée" in digest.text and "Lieu modifié : Nantes → Saint-Nazaire" in digest.text


# --- delivery failures, dry runs ----------------------------------------------------
def test_with_the_smtp_server_down_nothing_is_recorded_and_the_next_run_delivers(store, config, servers):
    smtp, webhook = servers
    smtp.stop()
    try:
        result = weekly(store, config)
    finally:
        smtp.start()

    assert result["failed"] == ["alice"] and result["sent"] == ["bob"]
    assert {r["subscriber"] for r in alerts_rows(store)} == {"bob"}
    assert smtp.messages == []

    result = weekly(store, config)

    assert result["sent"] == ["alice"]
    assert len(smtp.messages) == 1 and len(webhook.posts) == 1
    assert "Protéger sa vie privée en ligne" in mail_parts(smtp.messages[0])["text/html"]


def test_a_wrong_smtp_password_is_a_failed_send(store, tmp_path, servers):
    smtp, _ = servers
    config = load_config(write_config(tmp_path, f"""
subscribers:
  - name: alice
    urls: ["{smtp.url('alice@example.org', password='wrong')}"]
"""))
    assert weekly(store, config)["failed"] == ["alice"]
    assert alerts_rows(store) == [] and smtp.messages == []


def test_dry_run_sends_and_records_nothing(store, config, servers):
    smtp, webhook = servers
    result = send_digests(store.db, build_digests(store.db, config, TODAY), dry_run=True)

    assert result["sent"] == [] and result["recorded"] == 0
    assert "=== alice : Veille formations : 2 nouvelles sessions ===" in result["preview"]
    assert "Le RGPD en bibliothèque" in result["preview"]
    assert alerts_rows(store) == [] and smtp.messages == [] and webhook.posts == []


# --- what the digest says -----------------------------------------------------------
def test_the_mail_is_html_with_a_text_alternative_in_french_with_both_links(store, config, servers):
    smtp, _ = servers
    weekly(store, config)
    [message] = smtp.messages
    parts = mail_parts(message)

    assert message["Subject"] == "Veille formations : 2 nouvelles sessions"
    assert set(parts) == {"text/plain", "text/html"}
    for body in parts.values():
        assert "jeudi 14 janvier 2027, 9 h 30 – 16 h 30" in body
        assert "https://bd-35.example.org/formations/vp" in body
        assert DATASETTE + PRIVACY["id"] in body
        assert "« vie privée » dans le titre" in body
        assert "Récapitulatif du lundi 4 janvier 2027" in body


def test_one_subscriber_with_mail_and_webhook_gets_html_by_mail_and_text_by_webhook(store, tmp_path, servers):
    smtp, webhook = servers
    config = load_config(write_config(tmp_path, f"""
subscribers:
  - name: both
    urls: ["{smtp.url('both@example.org')}", "{webhook.url()}"]
    departements: ["44"]
"""))
    assert weekly(store, config)["sent"] == ["both"]

    assert "<strong>[Nouveau] Le RGPD en bibliothèque</strong>" in mail_parts(smtp.messages[0])["text/html"]
    [post] = webhook.posts
    assert post["json"]["title"] == "Veille formations : 1 nouvelle session"
    assert post["json"]["message"].startswith("Récapitulatif du lundi 4 janvier 2027\n\n== jeudi 28 janvier 2027 ==")


def test_scraped_text_is_escaped_in_the_html_mail(store, config, servers):
    smtp, _ = servers
    weekly(store, config)
    html = mail_parts(smtp.messages[0])["text/html"]

    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Données personnelles" in html



def test_a_subscriber_with_a_territory_gets_links_to_their_own_feeds(store, tmp_path, servers):
    smtp, webhook = servers
    config = load_config(write_config(tmp_path, f"""
datasette_url: https://veille.example.org/
subscribers:
  - name: ouest
    urls: ["{smtp.url('ouest@example.org')}"]
    departements: ["35", 44]
    regions: ["Pays de la Loire"]
  - name: everything
    urls: ["{webhook.url()}"]
"""))
    weekly(store, config)
    territory = "territoire=35,44,Pays+de+la+Loire"

    parts = mail_parts(smtp.messages[0])
    for feed in (f"https://veille.example.org/veille/calendrier.ics?{territory}",
                 f"https://veille.example.org/veille/nouvelles_sessions.atom?{territory}"):
        assert feed in parts["text/plain"]
        assert f'<a href="{feed}">{feed}</a>' in parts["text/html"]
    assert "de votre territoire (35, 44, Pays de la Loire)" in parts["text/plain"]
    [post] = webhook.posts  # no territory, no filtered feed
    assert "territoire=" not in post["json"]["message"] and "Flux Atom" not in post["json"]["message"]

def test_the_text_digest_is_plain_text(store, config):
    bob = next(d for d in build_digests(store.db, config, TODAY) if d.subscriber.name == "bob")

    assert "<" not in bob.text
    assert "== jeudi 28 janvier 2027 ==" in bob.text
    assert "Quand : jeudi 28 janvier 2027, 14 h – 17 h" in bob.text
    assert "Lieu : Nantes" in bob.text
    assert "Page de la session (Bibliothèque départementale de Loire-Atlantique) : " \
           "https://bd-44.example.org/formations/rgpd" in bob.text
    assert f"Dans la base : {DATASETTE}{RGPD['id']}" in bob.text


def parts(*spans: tuple[str, str | None]) -> list[dict]:
    return [{"start": start, "end": end} for start, end in spans]


# « les 21 et 22 mars puis les 11 et 12 avril 2027 », the Paris offset changing in between.
COURSE_DAYS = parts(*((f"2027-{day}T09:30:00{offset}", f"2027-{day}T16:30:00{offset}")
                      for day, offset in (("03-21", "+01:00"), ("03-22", "+01:00"), ("04-11", "+02:00"),
                                          ("04-12", "+02:00"))))
COURSE = {**session("bd-35", "parcours", "Vie privée : parcours en deux modules", COURSE_DAYS[0]["start"],
                    COURSE_DAYS[-1]["end"]), "occurrences": COURSE_DAYS}


def test_a_session_in_several_parts_lists_every_day_in_text_and_html(store, config, servers):
    smtp, _ = servers
    crawl(store, {**CATALOGUE, "bd-35": [*CATALOGUE["bd-35"], COURSE]})
    weekly(store, config)

    body = mail_parts(smtp.messages[0])
    days = "Quand : les 21 et 22 mars, 11 et 12 avril 2027, 9 h 30 – 16 h 30"
    assert f"{days}\r\n" in body["text/plain"] and f"{days}<br>" in body["text/html"]
    assert "au lundi 12 avril" not in body["text/plain"]  # not a span from the first to the last day


def test_sessions_are_grouped_by_day_in_date_order(store, config):
    alice = next(d for d in build_digests(store.db, config, TODAY) if d.subscriber.name == "alice")

    assert alice.text.index("== jeudi 14 janvier 2027 ==") < alice.text.index("== lundi 1er février 2027 ==")


def test_duplicates_of_one_cluster_appear_once_with_both_links(store, config):
    alice = next(d for d in build_digests(store.db, config, TODAY) if d.subscriber.name == "alice")

    assert alice.text.count("Protéger sa vie privée en ligne") == 1
    assert "https://bd-35.example.org/formations/vp" in alice.text
    assert "https://abf-bretagne.example.org/formations/vp" in alice.text
    assert DATASETTE + PRIVACY_ABF["id"] in alice.text


def test_triage_pas_pertinent_silences_a_session_and_its_changes(store, config):
    store.db["triage"].insert({"session_id": SCRIPT["id"], "state": "pas pertinent", "by": "alice", "at": "2027-01-04"})
    alice = next(d for d in build_digests(store.db, config, TODAY) if d.subscriber.name == "alice")
    assert SCRIPT["id"] not in announced(alice)
    assert "Données personnelles" not in alice.text

    send_digests(store.db, [alice])
    crawl(store, {**CATALOGUE, "bd-35": [moved(SCRIPT, "2027-02-08"), PRIVACY, KNITTING, PAST, WEAK]})
    assert [d.subscriber.name for d in build_digests(store.db, config, TODAY)] == ["bob"]


def test_gone_sessions_are_not_announced(tmp_path, config):
    store = Store(tmp_path / "gone.db")
    store.sync_sources(SOURCES.values())
    for _ in range(3):  # seen once, then missing twice: gone
        crawl(store, {"bd-44": [RGPD] if _ == 0 else []})

    assert store.db["sessions"].get(RGPD["id"])["gone"] == 1
    assert build_digests(store.db, config, TODAY) == []


def test_a_session_newly_relevant_after_a_rematch_is_announced(store, config):
    weekly(store, config)
    store.save_matches({KNITTING["id"]: {**PRIVACY["match"], "score": 60}})

    [digest] = build_digests(store.db, config, TODAY)

    assert announced(digest) == {KNITTING["id"]}
    assert "[Nouveau] Atelier tricot" in digest.text


def test_regions_and_min_score_filter(store, tmp_path, webhook):
    config = load_config(write_config(tmp_path, f"""
subscribers:
  - name: bretagne
    urls: ["{webhook.url()}"]
    regions: ["bretagne"]
  - name: everything
    urls: ["{webhook.url()}"]
    min_score: 10
"""))
    digests = {d.subscriber.name: announced(d) for d in build_digests(store.db, config, TODAY)}

    assert digests["bretagne"] == {PRIVACY["id"], PRIVACY_ABF["id"], SCRIPT["id"], WEAK["id"]}
    assert digests["everything"] == digests["bretagne"] | {RGPD["id"]}


def test_a_subscriber_territory_reads_like_the_feeds_their_digest_links_to():
    """The digest and its calendar link list the same sessions: a region named in part, a code in
    any case, one département of a common service (it was an exact region name only)."""
    subscriber = Subscriber(name="a", urls=("json://localhost",), departements=("2a", "74"), regions=("Auvergne",))
    assert subscriber.territory == "2a,74,Auvergne"
    assert subscriber.covers({"departement": "2A", "region": "Corse"})
    assert subscriber.covers({"departement": "73-74", "region": "Auvergne-Rhône-Alpes"})
    assert subscriber.covers({"departement": "63", "region": "Auvergne-Rhône-Alpes"})
    assert not subscriber.covers({"departement": "7", "region": "Bretagne"})
    assert not subscriber.covers({"departement": None, "region": None})
    assert Subscriber(name="b", urls=("json://localhost",)).covers({"departement": None, "region": None})


# --- reminders ------------------------------------------------------------------------
def test_reminders_for_a_close_start_and_a_closing_registration_once_each(store, config):
    crawl(store, {**CATALOGUE, "bd-44": [{**RGPD, "registration_deadline": "2027-01-21"}]})
    weekly(store, config)  # 4 January: announced, starts in 24 days, registration closes in 17

    later = date(2027, 1, 16)
    [digest] = build_digests(store.db, config, later)

    assert digest.subscriber.name == "bob"
    assert {key for _, key in digest.keys} == {"reminder-start:2027-01-28", "reminder-registration:2027-01-21"}
    assert "[Rappel] Le RGPD en bibliothèque" in digest.text
    assert "Commence dans 12 jours" in digest.text and "Clôture des inscriptions dans 5 jours" in digest.text
    assert digest.title == "Veille formations : 1 rappel"
    weekly(store, config, later)
    assert build_digests(store.db, config, later) == []


def test_a_new_session_starting_soon_is_not_reminded_again(store, config):
    weekly(store, config, date(2027, 1, 10))  # the 14 January session is new and close: one message
    assert [d.subscriber.name for d in build_digests(store.db, config, date(2027, 1, 11))] == []


# --- source health, for maintainers --------------------------------------------------
def health_config(tmp_path, webhook, failed_share=0.9):
    return load_config(write_config(tmp_path, f"""
failed_share: {failed_share}
subscribers:
  - name: maintainer
    urls: ["{webhook.url()}"]
    departements: ["2A"]
    maintainer: true
  - name: reader
    urls: ["{webhook.url()}"]
    departements: ["2A"]
"""))


def test_a_source_silent_for_two_finished_runs_is_reported_once_to_maintainers(store, tmp_path, webhook):
    config = health_config(tmp_path, webhook)
    crawl(store, {**CATALOGUE, "bd-44": []})
    assert build_digests(store.db, config, TODAY) == []  # one empty run is not yet a problem
    first_silent = crawl(store, {**CATALOGUE, "bd-44": []}, failed=("bd-44",)) - 1

    [digest] = build_digests(store.db, config, TODAY)

    assert digest.subscriber.name == "maintainer"
    assert digest.keys == ((None, f"health:bd-44:{first_silent}"),)
    assert "aucune session lors des 2 dernières collectes (1 session à la collecte n° 1)" in digest.text
    assert "https://bd44.example.org/agenda" in digest.text
    assert "Erreur : HTTP 503 (http, https://bd44.example.org/agenda)" in digest.text
    assert digest.title == "Veille formations : 1 alerte sur les sources"
    send_digests(store.db, [digest])
    crawl(store, {**CATALOGUE, "bd-44": []})
    assert build_digests(store.db, config, TODAY) == []  # the same outage is not told again


def test_fields_missing_for_two_crawls_are_reported(store, tmp_path, webhook):
    runs = []
    for _ in range(2):
        assert health_problems(store.db) == []  # one degraded crawl is not yet a problem
        runs.append(store.start_run())
        store.save_source(runs[-1], SOURCES["bd-44"], [RGPD], {"pages": 1, "items": 1, "missing_fields": {"place": 1}})
        store.finish_run(runs[-1], {}, "finished")

    [problem] = health_problems(store.db)

    assert problem.problem == "champs soudain absents : lieu (1 sur 1 sessions) ; depuis 2 collectes"
    assert problem.key == f"health:bd-44:{runs[0]}"


def test_a_crawl_where_most_sources_failed_is_reported(store, tmp_path, webhook):
    run_id = crawl(store, CATALOGUE, failed=("bd-35", "bd-44"))

    problems = health_problems(store.db, failed_share=0.5)

    assert [(p.subject, p.problem, p.error) for p in problems] == [
        (f"Collecte n° {run_id}", "2 sources sur 3 en échec", "en échec : bd-35, bd-44")]
    assert health_problems(store.db, failed_share=0.9) == []


# --- configuration --------------------------------------------------------------------
def test_a_secret_is_expanded_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("NTFY_TOKEN", "tk_abc123")
    config = load_config(write_config(tmp_path, """
subscribers:
  - name: alice
    urls: ["ntfy://${NTFY_TOKEN}@ntfy.example.org/veille"]
"""))
    assert config.subscribers[0].urls == ("ntfy://tk_abc123@ntfy.example.org/veille",)
    assert "tk_abc123" not in repr(config)
    assert config.datasette_url == "http://127.0.0.1:8001" and config.failed_share == 0.5


def test_a_missing_secret_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("SMTP_PASSWORD", raising=False)
    path = write_config(tmp_path, """
subscribers:
  - name: alice
    urls: ["mailtos://veille:${SMTP_PASSWORD}@mail.example.org?to=alice@example.org"]
""")
    with pytest.raises(AlertsConfigError) as error:
        load_config(path)
    assert str(error.value) == (f"{path}: subscriber 1 ('alice'), field 'urls': environment variable "
                                "SMTP_PASSWORD is not set (secrets come from the environment)")


@pytest.mark.parametrize("entry, field", [
    ("{name: alice}", "urls"),
    ("{name: alice, urls: ['nosuchservice://x']}", "urls"),
    ("{name: alice, urls: ['json://localhost'], departments: ['35']}", "departments"),
    ("{name: alice, urls: ['json://localhost'], min_score: high}", "min_score"),
    ("{name: alice, urls: ['json://localhost'], maintainer: 'yes'}", "maintainer"),
    ("{name: alice, urls: ['json://localhost'], regions: Bretagne}", "regions"),
])
def test_validation_errors_name_the_file_the_subscriber_and_the_field(tmp_path, entry, field):
    path = write_config(tmp_path, f"subscribers:\n  - {entry}\n")
    with pytest.raises(AlertsConfigError, match=rf"^{path}: subscriber 1 \('alice'\), field '{field}': "):
        load_config(path)


@pytest.mark.parametrize("text, message", [
    ("subscribers: []\nfailed_share: 2\n", "field 'failed_share'"),
    ("subscribers: []\ndatasette_url: localhost\n", "field 'datasette_url'"),
    ("subscriber: []\n", "'subscribers' list"),
    ("subscribers: [{name: a, urls: ['json://x']}, {name: a, urls: ['json://y']}]\n", "'a', field 'name': used twice"),
])
def test_file_level_errors_name_the_file_and_the_field(tmp_path, text, message):
    path = write_config(tmp_path, text)
    with pytest.raises(AlertsConfigError, match=str(path)) as error:
        load_config(path)
    assert message in str(error.value)


def test_the_path_comes_from_the_argument_then_veille_alerts_then_alerts_yml(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(AlertsConfigError, match="^alerts.yml: no such file"):
        load_config()
    other = write_config(tmp_path, "subscribers: []\ndatasette_url: https://veille.example.org/\n")
    monkeypatch.setenv("VEILLE_ALERTS", str(other))
    assert load_config().datasette_url == "https://veille.example.org"
    with pytest.raises(AlertsConfigError, match="^given.yml: no such file"):
        load_config("given.yml")


def test_the_example_configuration_loads(monkeypatch):
    for name in ("SMTP_PASSWORD", "MATRIX_TOKEN", "NTFY_TOKEN"):
        monkeypatch.setenv(name, "x")
    config = load_config(ROOT / "alerts.example.yml")
    assert any(s.maintainer for s in config.subscribers)


# --- French dates ---------------------------------------------------------------------
@pytest.mark.parametrize("start, end, words", [
    ("2027-01-14T09:30:00+01:00", "2027-01-14T16:30:00+01:00", "jeudi 14 janvier 2027, 9 h 30 – 16 h 30"),
    ("2027-01-14T14:00:00+01:00", None, "jeudi 14 janvier 2027, 14 h"),
    ("2027-02-01", None, "lundi 1er février 2027"),
    ("2027-02-01", "2027-02-01", "lundi 1er février 2027"),
    ("2027-03-22", "2027-03-23", "du lundi 22 mars 2027 au mardi 23 mars 2027"),
    ("2027-03-22T09:00:00+01:00", "2027-03-23T17:00:00+01:00",
     "du lundi 22 mars 2027, 9 h au mardi 23 mars 2027, 17 h"),
])
def test_dates_in_french_words(start, end, words):
    assert french_span(start, end) == words


@pytest.mark.parametrize("days, words", [
    ([date(2027, 3, 21), date(2027, 3, 22), date(2027, 4, 11), date(2027, 4, 12)], "21 et 22 mars, 11 et 12 avril 2027"),
    ([date(2027, 4, 12), date(2027, 3, 21), date(2027, 3, 21)], "21 mars, 12 avril 2027"),  # sorted, once each
    ([date(2026, 12, 28), date(2027, 2, 1), date(2027, 2, 8), date(2027, 2, 15)],
     "28 décembre 2026, 1er, 8 et 15 février 2027"),  # « tous les lundis » over the new year
])
def test_days_in_french_words(days, words):
    assert french_days(days) == words


@pytest.mark.parametrize("occurrences, words", [
    (COURSE_DAYS, "les 21 et 22 mars, 11 et 12 avril 2027, 9 h 30 – 16 h 30"),
    (parts(("2027-03-21", "2027-03-21"), ("2027-04-11", "2027-04-11")), "les 21 mars, 11 avril 2027"),
    (parts(("2027-04-23T10:00:00+02:00", None), ("2027-04-30T14:00:00+02:00", None)),  # each day its hours
     "vendredi 23 avril 2027, 10 h ; vendredi 30 avril 2027, 14 h"),
])
def test_every_day_of_a_session_in_several_parts_in_french_words(occurrences, words):
    assert french_occurrences(occurrences) == words


def test_french_date_uses_accented_month_names():
    assert french_date(date(2027, 8, 15)) == "dimanche 15 août 2027"
    assert french_date(date(2027, 12, 1)) == "mercredi 1er décembre 2027"

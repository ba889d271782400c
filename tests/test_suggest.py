"""Learning keywords.yml changes from triage, on a real database filled through the store."""
import shutil

import pytest

from conftest import KEYWORDS
from crawler.scoring import match_record
from crawler.sources import Source
from crawler.store import Store
from crawler.suggest import TERM, UNLESS, WEIGHT, Suggestion, apply, edit_keywords, format_suggestions, suggest
from matchers import load_matcher

SOURCE = Source(id="bd-63", name="Médiathèque départementale du Puy-de-Dôme", kind="bd", departement="63",
                region="Auvergne-Rhône-Alpes", url="https://md.puy-de-dome.fr/formations")
# (id, title, description, triage state): what volunteers would have triaged after a few crawls.
TRIAGED = [
    ("ok-pistage", "Pistage publicitaire : comprendre et bloquer les traceurs", "", "à contacter"),
    ("ok-rgpd", "Atelier RGPD pour les bibliothécaires", "Registre, durées de conservation, droits des usagers.",
     "inscrit"),
    ("ok-smartphone", "Protéger sa vie privée sur son smartphone", "", "contacté"),
    # Planted false positives: « pistage » of animals, which the matcher flags today.
    ("fp-foret", "Pistage des animaux en forêt : lecture de paysage",
     "Sortie nature avec un guide : empreintes, pistage du chevreuil, observation des oiseaux.", "pas pertinent"),
    ("fp-familles", "Pistage et empreintes d'animaux : atelier nature pour les familles",
     "Reconnaître les empreintes du renard et du blaireau.", "pas pertinent"),
    ("no-desherbage", "Désherbage : la méthode IOUPI", "", "pas pertinent"),
    # Missed: found by full-text search, no privacy word the matcher knows.
    ("miss-quitter", "Fediverse et Mastodon : quitter les réseaux sociaux commerciaux", "", "à contacter"),
    ("miss-animer", "Mastodon en bibliothèque : animer un compte sur le Fediverse", "", "à contacter"),
    # Missed: half matched, « empreinte numérique » weighs 40 points against a threshold of 50.
    ("miss-empreinte", "Votre empreinte numérique", "", "contacté"),
]


def item(matcher, sid, title, description):
    session = {
        "id": sid, "source_id": SOURCE.id, "uid": None, "title": title, "description": description,
        "start": "2027-03-04T09:30:00+01:00", "end": None, "all_day": False, "occurrences": [], "place": "Riom",
        "organiser": SOURCE.name, "url": f"https://md.puy-de-dome.fr/{sid}", "status": "scheduled",
        "date_text": "4 mars 2027", "registration_deadline": None, "audience": None,
        "fetched_at": "2026-11-25T08:00:00+00:00",
    }
    return {**session, "match": match_record(matcher, session)}


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("triage") / "veille.db"
    matcher = load_matcher(KEYWORDS)
    store = Store(path)
    store.sync_sources([SOURCE])
    run = store.start_run(matcher.version)
    store.save_source(run, SOURCE, [item(matcher, sid, title, text) for sid, title, text, _ in TRIAGED],
                      {"pages": 1, "items": len(TRIAGED), "errors": []})
    store.db["triage"].insert_all(
        {"session_id": sid, "state": state, "note": "", "by": "alice", "at": "2026-12-01"}
        for sid, _, _, state in TRIAGED)
    return path


@pytest.fixture(scope="module")
def suggestions(db_path, dev_records):
    return suggest(db_path, KEYWORDS, dev_records)


def test_planted_sessions_are_the_matchers_real_errors(db_path):
    stored = {row["session_id"]: row["relevant"] for row in Store(db_path).db["matches"].rows}
    assert stored["fp-foret"] == stored["fp-familles"] == 1
    assert stored["miss-quitter"] == stored["miss-animer"] == stored["miss-empreinte"] == 0


def test_false_positives_give_a_negative_context_that_raises_precision_without_losing_dev_recall(suggestions):
    unless = [s for s in suggestions if s.kind == UNLESS]
    assert [(s.concept, s.term, s.words) for s in unless] == [("pistage", "pistage", ("animaux",))]
    effect = unless[0].triage
    assert (effect.before.precision, effect.after.precision) == (pytest.approx(3 / 5), 1.0)
    assert effect.after.recall == effect.before.recall
    assert unless[0].dev.after.recall == unless[0].dev.before.recall == 1.0
    assert unless[0].dev.after.precision == unless[0].dev.before.precision
    assert set(unless[0].sessions) == {TRIAGED[3][1], TRIAGED[4][1]}


def test_missed_sessions_give_a_new_term_that_raises_recall(suggestions):
    terms = [s for s in suggestions if s.kind == TERM]
    assert terms and {s.term for s in terms} <= {"fediverse", "mastodon"}
    effect = terms[0].triage
    assert (effect.before.recall, effect.after.recall) == (0.5, pytest.approx(5 / 6))
    assert effect.after.precision >= effect.before.precision
    assert terms[0].snippet == f"      - {terms[0].term}"


def test_half_matched_session_gives_a_weight_just_above_the_threshold(suggestions):
    weights = [s for s in suggestions if s.kind == WEIGHT]
    assert [(s.term, s.weight) for s in weights] == [("empreinte numérique", 50)]
    assert weights[0].triage.after.fn == weights[0].triage.before.fn - 1


def test_report_is_french_numbered_and_carries_figures_and_yaml(suggestions):
    report = format_suggestions(suggestions)
    assert report.startswith("1. ")
    assert f"{len(suggestions)}. " in report
    assert "Contexte négatif : « pistage »" in report
    assert "Sessions triées : précision 60 % → 100 %" in report
    assert "Corpus étiqueté : précision 100 % → 100 %, rappel 100 % → 100 %" in report
    assert "        unless: [animaux]" in report


def test_suggesting_changes_nothing_and_apply_writes_only_the_entry(suggestions, db_path, tmp_path):
    # suggest() measured its changes on copies: the shipped file is the one the crawl used.
    assert Store(db_path).db["crawl_runs"].get(1)["keywords_version"] == load_matcher(KEYWORDS).version
    original = KEYWORDS.read_text(encoding="utf-8")
    copy = tmp_path / "keywords.yml"
    shutil.copy(KEYWORDS, copy)
    unless = next(s for s in suggestions if s.kind == UNLESS)
    apply(unless, copy)
    changed = copy.read_text(encoding="utf-8")
    assert changed.replace("      - term: pistage\n        unless: [animaux]\n", "      - pistage\n") == original
    assert not load_matcher(copy).score({"title": TRIAGED[3][1]}).relevant
    assert not [s for s in suggest(db_path, copy) if s.kind == UNLESS]  # learnt: nothing left to propose


def test_no_triage_no_suggestion(tmp_path):
    store = Store(tmp_path / "empty.db")
    store.sync_sources([SOURCE])
    assert suggest(tmp_path / "empty.db", KEYWORDS) == []


def test_missing_database_is_refused_rather_than_created(tmp_path):
    with pytest.raises(FileNotFoundError):
        suggest(tmp_path / "absent.db", KEYWORDS)
    assert not (tmp_path / "absent.db").exists()


@pytest.mark.parametrize("concept, term, words, before, after", [
    # A multi-line unless list grows on its last line; the comment above the entry stays.
    ("pistage", "cookies", ("halloween",),
     "                 biscuit, four, gourmand, gourmande, apporte, miel, Noël, lait]\n",
     "                 biscuit, four, gourmand, gourmande, apporte, miel, Noël, lait, halloween]\n"),
    # A one-line {…} entry is rewritten one key per line.
    ("mediation_numerique", "culture numérique", ("cuisine",),
     "      - {term: culture numérique, gap: 0}\n",
     "      - term: culture numérique\n        unless: [cuisine]\n        gap: 0\n"),
])
def test_line_edit_keeps_the_file_around_the_entry(concept, term, words, before, after, tmp_path):
    original = KEYWORDS.read_text(encoding="utf-8")
    text, _ = edit_keywords(original, Suggestion(UNLESS, concept, term, words=words))
    assert before in original and text == original.replace(before, after)
    path = tmp_path / "keywords.yml"
    path.write_text(text, encoding="utf-8")
    assert load_matcher(path).keywords.terms  # still valid for the loader


def test_weight_edit_replaces_an_existing_weight():
    original = KEYWORDS.read_text(encoding="utf-8")
    text, snippet = edit_keywords(original, Suggestion(WEIGHT, "pistage", "empreinte numérique", weight=50))
    assert snippet.splitlines()[:2] == ["      - term: empreinte numérique", "        weight: 50"]
    assert text.count("\n") == original.count("\n")

"""Themes (vie privée / médiation numérique / autre) from the shipped keywords.yml's two families."""
import pytest

from conftest import KEYWORDS
from matchers import load_matcher
from matchers.keywords import load_keywords
from matchers.themes import MEDIATION, OTHER, PRIVACY, THEMES, theme

MEDIATION_SECTION = "  # --- Famille « mediation »"  # the mediation concepts close the file
# Subcategories of digital but non-privacy sessions (see ../shared/corpus/README.md).
DIGITAL_NEGATIVES = ("numerique_generaliste", "cybercentre", "emi_fake_news", "accessibilite_numerique")


def theme_of(matcher, title, description=""):
    return theme(matcher.score({"title": title, "description": description}), matcher.threshold)


@pytest.mark.parametrize("title, description, expected", [
    ("Accompagner les usagers dans leurs démarches en ligne", "", MEDIATION),
    ("Inclusion numérique en milieu rural", "", MEDIATION),
    ("Ouvrir un espace public numérique (EPN) en médiathèque", "", MEDIATION),
    ("Rencontre des conseillers numériques France Services", "", MEDIATION),
    ("Tablettes pour les seniors", "Premiers pas : allumer, se connecter au wifi, envoyer une photo.", MEDIATION),
    ("Animer un atelier EMI", "Éducation aux médias et à l'information avec les ressources du CLEMI.", MEDIATION),
    ("Atelier RGPD", "", PRIVACY),
    ("Conseillers numériques : protéger les données des usagers", "", PRIVACY),
    ("Accompagner les démarches en ligne sans garder les identifiants",
     "Ne jamais noter les identifiants d'un usager ; un module est consacré au mot de passe.", PRIVACY),
    ("Désherbage", "Critères, méthode IOUPI, devenir des documents retirés.", OTHER),
    ("Heure du conte pour les tout-petits", "", OTHER),
    ("Jeux vidéo en bibliothèque : animer une session", "Choisir les jeux, installer les consoles.", OTHER),
])
def test_short_sessions_get_their_theme(matcher, title, description, expected):
    assert theme_of(matcher, title, description) == expected


@pytest.mark.parametrize("title", ["Atelier hygiène numérique", "Culture et identité numérique"])
def test_mediation_term_does_not_hide_an_overlapping_privacy_term(matcher, title):
    """Overlapping matches keep only the strongest, across families: "atelier … numérique" must not
    swallow the "numérique" of "hygiène numérique" (hence gap: 0 on the mediation terms)."""
    assert theme_of(matcher, title) == PRIVACY


def test_mediation_score_is_compared_with_the_threshold_given(matcher):
    result = matcher.score({"title": "Semaine de la presse et des médias : animer en bibliothèque"})
    assert result.families == {"mediation": 50.0}
    assert theme(result, 50) == MEDIATION
    assert theme(result, 50.5) == OTHER


def test_keywords_header_documents_every_family():
    header = KEYWORDS.read_text(encoding="utf-8").split("threshold:")[0]
    families = {term.family for term in load_keywords(KEYWORDS).terms}
    assert families == {"privacy", "mediation"}
    for family in families:
        assert f"« {family} »" in header
    for name in THEMES:
        assert f"« {name} »" in header


def test_mediation_family_leaves_privacy_scores_unchanged(dev_records, tmp_path):
    """The same privacy score and decision for every dev record with and without the mediation concepts."""
    # A text cut, not a YAML round trip, which would turn the stopword « on » into true.
    privacy_part, mediation_part = KEYWORDS.read_text(encoding="utf-8").split(MEDIATION_SECTION)
    assert "family: mediation" in mediation_part and "family:" not in privacy_part.split("concepts:")[-1]
    privacy_only = tmp_path / "privacy-only.yml"
    privacy_only.write_text(privacy_part, encoding="utf-8")
    shipped, reference = load_matcher(KEYWORDS), load_matcher(privacy_only)
    changed = [r["title"] for r in dev_records
               if (shipped.score(r).score, shipped.score(r).relevant)
               != (reference.score(r).score, reference.score(r).relevant)]
    assert changed == []
    assert sum(shipped.score(r).families.get("mediation", 0) > 0 for r in dev_records) >= 20


def test_dev_corpus_themes(matcher, dev_records):
    """Measured on dev: the 76 privacy sessions are 'vie privée'; 12 negatives are mediation
    (EMI, cyber-bases, initiation, inclusion); no negative is 'vie privée'."""
    themes = [(theme(matcher.score(r), matcher.threshold), r["label"]) for r in dev_records]
    assert {name for name, _ in themes} == set(THEMES)
    assert [label for name, label in themes if name == PRIVACY] == [1] * 76
    assert [label for name, label in themes if name == MEDIATION] == [0] * 12


def test_digital_negatives_are_mediation_or_other_never_privacy(matcher, dev_records):
    """numerique_generaliste and accessibilite_numerique (staff tools, accessible documents) come
    out 'autre'; cyber-bases and EMI sessions mostly 'médiation numérique' (measured: 6 of 8)."""
    by_subcategory = {}
    for record in dev_records:
        if record["subcategory"] in DIGITAL_NEGATIVES:
            assert record["label"] == 0
            name = theme(matcher.score(record), matcher.threshold)
            by_subcategory.setdefault(record["subcategory"], []).append(name)
    assert all(PRIVACY not in names for names in by_subcategory.values())
    mediation = by_subcategory["cybercentre"] + by_subcategory["emi_fake_news"]
    assert mediation.count(MEDIATION) >= 6 and len(mediation) == 8
    assert set(by_subcategory["numerique_generaliste"] + by_subcategory["accessibilite_numerique"]) == {OTHER}

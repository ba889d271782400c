"""The privacy matcher on short realistic catalogue sentences: variants, context rules, evidence."""
import json
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import KEYWORDS, ROOT
from matchers import KeywordsError, MatchResult, load_matcher
from matchers.normalize import token_spans, tokens


def relevant(matcher, title, description=""):
    return matcher.score({"title": title, "description": description}).relevant


# --- each kind of variant is found ---------------------------------------------------------

@pytest.mark.parametrize("title", [
    "Atelier vie priveé pour les seniors",                      # typo, accent misplaced
    "Les donées personelles des lecteurs",                      # two typos in one term
    "RGDP : ce que la commune doit faire",                      # swapped letters in an acronym
    "Proteger sa vie privee sur les reseaux",                   # no accents
    "ATELIER MOTS DE PASSE ET DOUBLE AUTHENTIFICATION",         # all caps
    "Privacy et trackers : comprendre le web commercial",       # English
    "Phishing : déjouer les faux messages",                     # English
    "2FA et A2F : activer la vérification",                     # abbreviations
    "MFA pour les comptes du personnel",                        # abbreviation
    "Les pisteurs dans nos applis",                             # inflection (plural)
    "Traçage publicitaire : qui nous suit ?",                   # inflection (noun)
    "Géolocalisée sans le savoir ?",                            # inflection (participle)
    "Cybersécurité : réagir à une attaque",
    "Chiffrer ses messages avec des outils libres",
    "E-réputation : ce que les recruteurs voient",              # hyphen
    "Droit à l'oubli : accompagner une demande",                # apostrophe
    "Dégooglisons le réseau de lecture publique",
    "La CNIL et les bibliothèques",
    "Sécurité numérique des postes publics",                    # weak term with its qualifier
    "Reprendre la main sur ses données",                        # weak term with a possessive
])
def test_privacy_titles_are_relevant(matcher, title):
    assert relevant(matcher, title)


@pytest.mark.parametrize("text, term", [
    ("Une suite de données sur les prêts", "fuite de données"),       # suite / fuite: one letter
    ("Déchiffrer les albums avec les petits", "chiffrer"),           # a real word, listed
    ("Projection des données d'activité", "protection des données"),  # listed in never_corrected
])
def test_real_words_next_to_a_term_are_not_typos(matcher, text, term):
    assert term not in {t["term"] for t in matcher.score({"title": text}).terms}


def test_multi_word_term_tolerates_a_small_gap(matcher):
    result = matcher.score({"title": "La protection de vos données personnelles en pratique"})
    assert result.relevant
    assert {t["text"] for t in result.terms} >= {"données personnelles"}


def test_multi_word_term_does_not_cross_a_sentence(matcher):
    assert matcher.score({"description": "Une vie. Privée de sortie, la classe lit."}).terms == []


def test_gap_too_wide_breaks_a_multi_word_term(matcher):
    """'droit ... image' four words apart is two topics, not "droit à l'image"."""
    assert matcher.score({"title": "Droit d'auteur et gestion des images du fonds"}).terms == []


# --- context rules: weak terms need a qualifier, negative contexts cancel ---------------------

@pytest.mark.parametrize("title", [
    "Goûter-lecture : cookies et chocolat chaud",
    "Atelier cuisine : la recette des cookies de grand-mère",
    "Sécurité incendie : manipulation des extincteurs",
    "Protection des collections : lutter contre l'humidité",
    "Données bibliographiques et transition bibliographique",
    "Concevoir un jeu de piste dans la médiathèque",
    "Pistes de lecture pour les ados",
    "Le jeu Mot de passe revisité pour les ados",
    "Organiser la surveillance des salles de lecture",
    "La vie privée des écrivains racontée par leurs biographes",
    "Cyber-base : initiation à l'informatique",
    "Le tracé des rayonnages dans la nouvelle médiathèque",
    "Sur les traces des bibliothèques populaires",
    "Données ouvertes : publier ses horaires",
    "Sécurité au travail : gestes et postures",
    "Protéger sa voix pour la lecture à voix haute",
    "L'identité numérique de la médiathèque : charte graphique et logo",
])
def test_homonyms_are_not_relevant(matcher, title):
    assert not relevant(matcher, title)


def test_weak_term_counts_only_near_its_qualifier(matcher):
    assert matcher.score({"title": "Sécurité des usagers lors des animations"}).terms == []
    assert relevant(matcher, "Sécurité informatique pour les bénévoles")
    assert matcher.score({"title": "Les données du rapport annuel"}).terms == []
    assert relevant(matcher, "Données privées : ce que l'on peut demander")


def test_negative_context_cancels_only_the_term_it_surrounds(matcher):
    result = matcher.score({
        "title": "Cookies publicitaires et traceurs",
        "description": "Goûter offert à la fin : chocolat et biscuits.",
    })
    assert result.relevant


# --- grade 1 (passing mention) vs grade 2 (dedicated slot) ---------------------------------

LONG_PROGRAMME = (
    "Accueil des groupes, choix des albums, lecture à voix haute, gestion du temps, "
    "partenariats avec les écoles, {mention}, bilan de la journée."
)


def test_single_passing_mention_in_a_long_description_is_not_enough(matcher):
    description = LONG_PROGRAMME.format(mention="protection des données")
    assert not relevant(matcher, "Accueillir les classes en médiathèque", description)


def test_passing_cue_lowers_a_mention(matcher):
    title = "Accueil des classes"
    plain = matcher.score({"title": title, "description": "La question des cookies sur le portail."})
    passing = matcher.score({"title": title, "description": "La question des cookies est évoquée en passant."})
    assert passing.score < plain.score


def test_dedicated_module_in_a_broader_programme_is_enough(matcher):
    description = "Jour 1 : accueil et animations. Jour 2 : un module est consacré aux traceurs."
    assert relevant(matcher, "Animer un espace numérique", description)


def test_slot_cue_far_before_the_term_is_a_list_not_a_module(matcher):
    afternoon = "Matinée : pratiques culturelles. Après-midi : réseaux sociaux, jeux vidéo, lecture, e-réputation."
    assert not relevant(matcher, "Journée d'étude : les publics adolescents", afternoon)
    assert relevant(matcher, "Journée d'étude : les publics adolescents", "Après-midi : e-réputation et réseaux.")


def test_two_distinct_terms_in_the_description_are_enough(matcher):
    description = "Deuxième partie : paramètres de confidentialité des applis et publicité ciblée."
    assert relevant(matcher, "Prise en main des tablettes", description)


def test_generic_title_lets_the_description_carry_the_subject(matcher):
    description = "Une juriste présente les enjeux de la surveillance numérique au travail."
    assert relevant(matcher, "Conférence du jeudi", description)
    assert not relevant(matcher, "Lecture publique et territoires", description)


# --- result shape ------------------------------------------------------------------------

def test_evidence_names_concept_field_original_text_and_similarity(matcher):
    result = matcher.score({
        "title": "RGPD et SIGB", "description": "Les donées personelles des lecteurs.", "organiser": None,
    })
    assert result.score == 96.0  # 60 in the title + 60 x 0.6 in the description
    by_field = {t["field"]: t for t in result.terms}
    assert by_field["title"] == {
        "concept": "donnees_personnelles", "term": "RGPD", "field": "title", "text": "RGPD", "similarity": 100.0,
    }
    assert by_field["description"]["text"] == "donées personelles"
    assert 85 < by_field["description"]["similarity"] < 100


def test_to_dict_is_json_ready_and_explain_is_french(matcher):
    result = matcher.score({"title": "RGPD en bibliothèque", "description": "Repérer les traceurs du portail."})
    assert json.loads(json.dumps(result.to_dict())) == result.to_dict()
    assert set(result.to_dict()) == {"score", "relevant", "terms"}
    assert result.explain() == "« RGPD » dans le titre ; « traceurs » dans la description"


def test_empty_or_odd_sessions_score_zero(matcher):
    for session in ({}, {"title": None, "description": ""}, {"title": 42}):
        result = matcher.score(session)
        assert isinstance(result, MatchResult)
        assert (result.score, result.relevant, result.terms) == (0.0, False, [])
    assert matcher.score({}).explain() == "aucun terme de vie privée trouvé"


def test_explanation_groups_terms_by_field_and_keeps_the_strongest(matcher):
    result = matcher.score({"title": "RGPD et CNIL", "description": (
        "Traceurs, cookies publicitaires, chiffrement, mots de passe et double authentification.")})
    why = result.explain()
    assert why.count(" dans le titre") == 1 and why.count(" dans la description") == 1
    assert "« RGPD »" in why and "« CNIL »" in why
    assert re.search(r"\(\+\d+\) dans la description", why)


@pytest.mark.parametrize("title, description, fields", [
    ("Vie privée\x1e en ligne", "Atelier RGPD", {"vie privée": "title", "rgpd": "description"}),
    ("Atelier", "Données\x1e personnelles et RGPD\x1e", {"données personnelles": "description", "rgpd": "description"}),
])
def test_a_text_holding_the_field_join_character_keeps_its_fields(matcher, title, description, fields):
    result = matcher.score({"title": title, "description": description})
    assert {term["text"].replace("\x1e", "").lower(): term["field"] for term in result.terms} == fields


def test_score_is_capped_at_100(matcher):
    text = "Vie privée, RGPD, CNIL, traceurs, chiffrement, VPN, Tor et mots de passe"
    assert matcher.score({"title": text, "description": text}).score == 100


def test_equal_terms_are_listed_in_reading_order(matcher):
    """Ties used to follow the order of a set, which changes with each process's string hashing."""
    assert [t["text"] for t in matcher.score({"title": "CNIL et RGPD", "description": "RGPD"}).terms] == [
        "CNIL", "RGPD", "RGPD"]


@pytest.mark.parametrize("text", [
    "l’anonymat", "cœur", "I&L", "Data & société", "ﬁchier", "Ærø", "Łódź", "e\u0301te\u0301", "½ journée…",
    "Москва", "VIE PRIVÉE – « Cookies » ; 10\u202f€",
])
def test_fast_folding_equals_the_nfkd_reference(text):
    """normalize.py folds through byte tables built from its NFKD path: both must agree, for
    Latin-1 text, web typography and anything else."""
    from matchers.normalize import _TYPOGRAPHY_CHARS, _fold, _fold_any

    for sample in (text, "".join(map(chr, range(256))) + text, "".join(_TYPOGRAPHY_CHARS) + text):
        assert _fold(sample) == _fold_any(sample)


# Characters of catalogues and beyond: accents composed and decomposed, ligatures, "&", dropped
# signs, letters without an ASCII form, sentence marks and typographic spaces.
CATALOGUE_CHARS = st.sampled_from([*"aeiouyRGPDéèÉçôœŒæ&€°łø.;!?…,:'’«»()-– \n\xa0\u202f", "e\u0301", "Дж", "12"])


@settings(max_examples=300, deadline=None)
@given(text=st.lists(CATALOGUE_CHARS, max_size=40).map("".join))
def test_token_spans_locate_each_token_in_the_original_text(text):
    """Evidence quotes the original text at these offsets: each span must read as its token."""
    spans = token_spans(text)
    assert [tokens(text[start:end]) for start, end in spans] == [[word] for word in tokens(text)]
    assert token_spans(text, 3) == spans[:3]


# --- keywords file ------------------------------------------------------------------------

MINIMAL = """\
threshold: 50
fields:
  title:
    weight: 1.0
concepts:
  vie_privee:
    label: Vie privée
    weight: 60
    terms:
      - vie privée
"""


def test_a_mediation_term_does_not_hide_an_overlapping_privacy_term(tmp_path):
    path = tmp_path / "keywords.yml"
    path.write_text(MINIMAL.replace("      - vie privée", "      - identité numérique") + """\
  mediation:
    label: Médiation numérique
    family: mediation
    weight: 70
    terms:
      - term: culture numérique
        gap: 2
""", encoding="utf-8")
    result = load_matcher(path).score({"title": "Culture et identité numérique"})
    assert result.relevant and result.families == {"privacy": 60.0, "mediation": 70.0}


def test_version_changes_with_the_file(tmp_path):
    path = tmp_path / "keywords.yml"
    path.write_text(MINIMAL, encoding="utf-8")
    first = load_matcher(path).version
    assert load_matcher(str(path)).version == first
    path.write_text(MINIMAL + "      - privacy\n", encoding="utf-8")
    assert load_matcher(path).version != first


@pytest.mark.parametrize("broken, line, words", [
    (MINIMAL.replace("weight: 60", "weight: soixante"), 8, "weight"),
    (MINIMAL.replace("weight: 60", "weight: 600"), 8, "entre 0 et 100"),
    (MINIMAL.replace("      - vie privée", "      - term: vie privée\n        neer: [numérique]"), 11, "neer"),
    (MINIMAL.replace("    label: Vie privée\n", ""), 7, "label"),
    (MINIMAL.replace("  title:\n", "  title:\n  title:\n"), 4, "deux fois"),
    (MINIMAL.replace("      - vie privée", "      - [vie privée"), 11, "YAML"),
    (MINIMAL.replace("      - vie privée", "      - term: ''"), 10, "non vide"),
])
def test_invalid_keywords_file_is_refused_with_its_line(tmp_path, broken, line, words):
    path = tmp_path / "keywords.yml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(KeywordsError) as error:
        load_matcher(path)
    message = str(error.value)
    assert message.startswith(f"keywords.yml, line {line}: ")
    assert words in message


def test_missing_file_is_a_keywords_error(tmp_path):
    with pytest.raises(KeywordsError, match="absent.yml"):
        load_matcher(tmp_path / "absent.yml")


def test_other_families_are_scored_but_do_not_decide(tmp_path):
    path = tmp_path / "keywords.yml"
    path.write_text(MINIMAL + "  mediation:\n    label: Médiation\n    family: mediation\n"
                    "    weight: 80\n    terms:\n      - inclusion numérique\n", encoding="utf-8")
    result = load_matcher(path).score({"title": "Inclusion numérique en milieu rural"})
    assert result.families == {"mediation": 80.0}
    assert (result.score, result.relevant) == (0.0, False)


def test_shipped_keywords_file_documents_how_to_add_a_term():
    header = KEYWORDS.read_text(encoding="utf-8").split("threshold:")[0]
    for word in ("AJOUTER UN TERME", "near", "unless", "weight", "threshold"):
        assert word in header


def test_matchers_is_pure():
    """matchers/ must not pull in the crawler, Scrapy or SQLite (it runs in the CLI and tests alike)."""
    code = (
        "import sys, matchers, matchers.evaluate; print(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('crawler', 'scrapy', 'sqlite3', 'sqlite_utils')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"

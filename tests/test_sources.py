"""The real sources.yml (coverage, consistency) and the loader's refusals of malformed files."""
import re

import pytest
import yaml

from conftest import ROOT
from crawler.canonical import url_key
from crawler.sources import MIRROR_HOSTS, Source, SourcesError, load_sources

SOURCES_YML = ROOT / "sources.yml"

# The 21 ABF regional groups of the Conseil national of 1 February 2021 (REPORT.md §3.3).
ABF_GROUPS = [
    "alsace", "antilles-guyane", "aquitaine", "auvergne", "bourgogne", "bretagne", "centre",
    "champagne-ardenne", "franche-comte", "hauts-de-france", "ile-de-france", "la-reunion",
    "languedoc-roussillon", "limousin", "lorraine", "midi-pyrenees", "normandie", "paca-corse",
    "pays-de-la-loire", "poitou-charentes", "rhone-alpes",
]
# Paris and the former Seine départements (92, 93) have no BD.
DEPARTEMENTS_WITHOUT_BD = {"75", "92", "93"}
ALL_DEPARTEMENTS = (
    [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B", "971", "972", "973", "974", "976"]
)
URL_IN_TEXT = re.compile(r"https?://[^\s,;)]+")


@pytest.fixture(scope="module")
def sources() -> list[Source]:
    return load_sources(SOURCES_YML)


def of_kind(sources, kind):
    return [s for s in sources if s.kind == kind]


# --- the real list ---------------------------------------------------------------------

def test_at_least_90_bd_entries(sources):
    assert len(of_kind(sources, "bd")) >= 90


def test_every_departement_with_a_bd_is_listed_once(sources):
    served = [code for s in of_kind(sources, "bd") for code in s.departements]
    assert sorted(served) == sorted(set(ALL_DEPARTEMENTS) - DEPARTEMENTS_WITHOUT_BD)


def test_the_21_abf_groups_are_listed(sources):
    abf_ids = {s.id for s in of_kind(sources, "abf")}
    assert {f"abf-{group}" for group in ABF_GROUPS} <= abf_ids
    assert len(ABF_GROUPS) == 21


def test_the_abf_national_site_is_watched(sources):
    national = [s for s in sources if s.id.startswith("abf-national") and s.enabled]
    assert {s.host for s in national} == {"abf.asso.fr"}
    assert {"abf-national-agenda", "abf-national-congres"} <= {s.id for s in national}


def test_at_least_45_enabled_sources_with_an_address(sources):
    assert len([s for s in sources if s.enabled and s.url]) >= 45


def test_enabled_entries_have_an_address_and_entries_without_one_are_disabled(sources):
    assert all(s.url for s in sources if s.enabled)
    assert not [s.id for s in sources if s.url is None and s.enabled]


def test_unsupported_sources_are_disabled_issuu_and_social_media(sources):
    unsupported = [s for s in sources if s.unsupported]
    assert not [s.id for s in unsupported if s.enabled]
    assert {"bd-59", "bd-72", "abf-paca-corse-reseaux-sociaux"} <= {s.id for s in unsupported}


def test_ids_and_addresses_are_unique(sources):
    assert len({s.id for s in sources}) == len(sources)
    keys = [url_key(s.url) for s in sources if s.url]
    assert len(set(keys)) == len(keys)


def test_ids_follow_the_kind_prefix(sources):
    assert all(s.id.startswith(f"{s.kind}-") for s in sources)


def test_bd_entries_say_their_departement_and_region(sources):
    assert not [s.id for s in of_kind(sources, "bd") if not (s.departement and s.region)]


def test_no_mirror_site_is_seeded(sources):
    for s in sources:
        for url in ([s.url] if s.url else []) + URL_IN_TEXT.findall(s.notes or ""):
            assert url_key(url).split("/")[0].removeprefix("fr.") not in MIRROR_HOSTS, (s.id, url)


def test_inferred_addresses_keep_the_seen_address_of_the_same_site_in_notes(sources):
    # e.g. bd-12 watches the section /formations/s-inscrire deduced from the seen session page
    # /formations/s-inscrire/1045-jeu-et-bibliotheque-4, which its notes keep.
    for s in sources:
        if s.enabled and s.evidence == "inferred":
            seen_hosts = {url_key(u).split("/")[0] for u in URL_IN_TEXT.findall(s.notes or "")}
            assert url_key(s.url).split("/")[0] in seen_hosts, s.id


def test_every_address_of_the_research_is_kept(sources, shared):
    """No fact lost: each research entry survives (same id) and its address is the url or in notes."""
    research = yaml.safe_load((shared / "sources" / "sources.yml").read_text(encoding="utf-8"))["sources"]
    renamed = {"abf-national": "abf-national-congres"}  # split into agenda + congress entries
    by_id = {s.id: s for s in sources}
    for entry in research:
        ours = by_id[renamed.get(entry["id"], entry["id"])]
        if entry["url"]:
            kept = {url_key(u.rstrip(".:")) for u in URL_IN_TEXT.findall(ours.notes or "")}
            kept.add(url_key(ours.url or ""))
            assert url_key(entry["url"]) in kept, entry["id"]


def test_host_ignores_www_and_trailing_dot():
    assert Source(id="x", name="x", kind="bd", url="https://WWW.Doubs.fr/index.php").host == "doubs.fr"
    assert Source(id="x", name="x", kind="bd", url="https://issuu.com./b.d.s").host == "issuu.com"
    assert Source(id="x", name="x", kind="bd", enabled=False).host is None


def test_departements_splits_a_shared_service(sources):
    assert next(s for s in sources if s.id == "bd-73-74").departements == ("73", "74")


# --- malformed files are refused with file, entry, field and line ----------------------

VALID = """\
  - id: bd-06
    name: Médiathèque départementale des Alpes-Maritimes
    kind: bd
    departement: '06'
    url: http://mediatheque06.fr/espace-pro
"""


def load_text(tmp_path, text) -> list[Source]:
    path = tmp_path / "sources.yml"
    path.write_text(text, encoding="utf-8")
    return load_sources(path)


def refused(tmp_path, second_entry: str) -> str:
    """Message raised for a file whose second entry is `second_entry` (the first is valid)."""
    with pytest.raises(SourcesError) as error:
        load_text(tmp_path, "sources:\n" + VALID + second_entry)
    return str(error.value)


def test_a_valid_file_loads(tmp_path):
    [source] = load_text(tmp_path, "sources:\n" + VALID)
    assert source == Source(id="bd-06", name="Médiathèque départementale des Alpes-Maritimes", kind="bd",
                            departement="06", url="http://mediatheque06.fr/espace-pro")
    assert (source.format, source.enabled, source.max_pages, source.horizon_days) == ("auto", True, 40, 548)


def test_message_names_file_entry_field_and_line(tmp_path):
    message = refused(tmp_path, "  - id: bd-35\n    name: MD 35\n    kind: bd\n    format: htm\n    url: https://a.fr\n")
    assert message.startswith("sources.yml: entry 2 (bd-35), line 10: field 'format': 'htm' is not one of auto, jsonld")


@pytest.mark.parametrize("text", ["", "- id: bd-06\n", "sources: {id: bd-06}\n", "sources: []\nextra: 1\n"])
def test_top_level_must_be_a_sources_list(tmp_path, text):
    with pytest.raises(SourcesError, match=r"^sources.yml: expected a top-level mapping"):
        load_text(tmp_path, text)


def test_yaml_syntax_error_names_the_file(tmp_path):
    with pytest.raises(SourcesError, match=r'(?s)^sources.yml: cannot read: .*in "sources.yml", line 2'):
        load_text(tmp_path, "sources:\n  - id: [bd-06\n")


def test_entry_must_be_a_mapping(tmp_path):
    assert "entry 2, line 7: an entry must be a mapping" in refused(tmp_path, "  - bd-35\n")


def test_unknown_field(tmp_path):
    message = refused(tmp_path, "  - id: bd-35\n    name: MD 35\n    kind: bd\n    formats: [html]\n")
    assert "entry 2 (bd-35), line 10: field 'formats': unknown field" in message


def test_field_given_twice(tmp_path):
    message = refused(tmp_path, "  - id: bd-35\n    name: MD 35\n    kind: bd\n    url: https://a.fr\n"
                                "    url: https://b.fr\n")
    assert "entry 2 (bd-35), line 11: field 'url': is given twice" in message


@pytest.mark.parametrize("missing", ["id", "name", "kind"])
def test_required_fields(tmp_path, missing):
    fields = {"id": "bd-35", "name": "MD 35", "kind": "bd", "url": "https://a.fr"}
    del fields[missing]
    message = refused(tmp_path, "  - " + "\n    ".join(f"{k}: {v}" for k, v in fields.items()) + "\n")
    assert "entry 2" in message and f"field '{missing}': is required" in message


@pytest.mark.parametrize("field, value, expected", [
    ("enabled", "'yes'", "field 'enabled': 'yes' should be of type bool"),
    ("max_pages", "true", "field 'max_pages': True should be of type int"),
    ("name", "[a, b]", "field 'name': ['a', 'b'] should be of type str"),
    ("selectors", "li.event", "field 'selectors': 'li.event' should be of type dict"),
    ("format", "null", "field 'format': must not be empty"),
])
def test_field_types(tmp_path, field, value, expected):
    body = {"id": "bd-35", "name": "MD 35", "kind": "bd", "url": "https://a.fr", field: value}
    message = refused(tmp_path, "  - " + "\n    ".join(f"{k}: {v}" for k, v in body.items()) + "\n")
    assert "entry 2 (bd-35), line " in message and expected in message


@pytest.mark.parametrize("field, value", [("kind", "bdp"), ("format", "htm"), ("evidence", "vu")])
def test_choice_fields(tmp_path, field, value):
    body = {"id": "x-35", "name": "MD 35", "kind": "bd", "url": "https://a.fr", field: value}
    message = refused(tmp_path, "  - " + "\n    ".join(f"{k}: {v}" for k, v in body.items()) + "\n")
    assert f"field '{field}': '{value}' is not one of " in message


@pytest.mark.parametrize("url", ["ftp://a.fr/agenda", "mediatheque06.fr/espace-pro", "https://"])
def test_url_must_be_http(tmp_path, url):
    message = refused(tmp_path, f"  - id: bd-35\n    name: MD 35\n    kind: bd\n    url: '{url}'\n")
    assert f"entry 2 (bd-35), line 10: field 'url': '{url}' is not an http(s) address" in message


def test_entry_without_url_must_say_disabled(tmp_path):
    message = refused(tmp_path, "  - id: bd-35\n    name: MD 35\n    kind: bd\n    url: null\n")
    assert "entry 2 (bd-35), line 7: field 'enabled': an entry without url must say 'enabled: false'" in message
    sources = load_text(tmp_path, "sources:\n  - {id: bd-35, name: MD 35, kind: bd, enabled: false}\n")
    assert sources[0].url is None


def test_unsupported_source_must_say_disabled(tmp_path):
    message = refused(tmp_path, "  - id: bd-59\n    name: MD Nord\n    kind: bd\n"
                                "    url: https://issuu.com/mediathequedunord\n    unsupported: Issuu flipbook\n")
    assert "entry 2 (bd-59), line 7: field 'enabled': an unsupported source must say 'enabled: false'" in message


def test_duplicate_id(tmp_path):
    message = refused(tmp_path, "  - id: bd-06\n    name: MD 06 bis\n    kind: bd\n    enabled: false\n")
    assert "entry 2 (bd-06), line 7: field 'id': duplicate id, already used by entry 1" in message


def test_duplicate_address_under_another_spelling(tmp_path):
    # http/https, www and a trailing slash do not make another page.
    message = refused(tmp_path, "  - id: bd-06-bis\n    name: MD 06\n    kind: bd\n"
                                "    url: https://www.mediatheque06.fr/espace-pro/\n")
    assert "entry 2 (bd-06-bis), line 10: field 'url': " in message
    assert "is already watched by entry 1 (bd-06)" in message


@pytest.mark.parametrize("mirror", ["https://docplayer.fr/13943205-compte-rendu.html",
                                    "http://fr.doczz.net/doc/2405562/publics"])
def test_mirror_sites_are_refused(tmp_path, mirror):
    message = refused(tmp_path, f"  - id: bd-67\n    name: BD 67\n    kind: bd\n    url: {mirror}\n")
    assert "field 'url': " in message and "is a mirror of other sites' documents" in message


def test_unquoted_departement_read_as_a_number(tmp_path):
    message = refused(tmp_path, "  - id: bd-35\n    name: MD 35\n    kind: bd\n    departement: 035\n"
                                "    enabled: false\n")
    assert "field 'departement': 29 is read as a number; write the code in quotes" in message


@pytest.mark.parametrize("code", ["'20'", "'96'", "'975'", "'6'", "Ain"])
def test_departement_code(tmp_path, code):
    message = refused(tmp_path, f"  - id: bd-x\n    name: BD\n    kind: bd\n    departement: {code}\n"
                                "    enabled: false\n")
    assert "field 'departement': " in message and "is not a département code" in message


@pytest.mark.parametrize("field", ["max_pages", "horizon_days"])
def test_limits_must_be_positive(tmp_path, field):
    message = refused(tmp_path, f"  - id: bd-35\n    name: MD 35\n    kind: bd\n    enabled: false\n    {field}: 0\n")
    assert f"field '{field}': 0 must be at least 1" in message


@pytest.mark.parametrize("selectors, expected", [
    ("{rows: li}", "unknown selector 'rows'"),
    ("{title: ''}", "selector 'title' must be a non-empty CSS string"),
])
def test_selectors(tmp_path, selectors, expected):
    message = refused(tmp_path, f"  - id: bd-35\n    name: MD 35\n    kind: bd\n    enabled: false\n"
                                f"    selectors: {selectors}\n")
    assert f"field 'selectors': {expected}" in message

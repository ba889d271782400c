"""The compiled matcher: built by `make`, equal to its uncompiled source, set aside once stale."""
import importlib.machinery
import json
import os
import shutil
import subprocess
import sys
import time

import matchers.lexicon
import matchers.matcher
import matchers.normalize
import matchers.rules
from conftest import KEYWORDS, ROOT

sys.path.insert(0, str(ROOT / "bench"))
from match import generate  # noqa: E402  (the bench's varied sessions: typos, towns, mixed clauses)

# Run in a copy of the package whose rules.py was edited after the build: the matcher runs from
# source. It prints the modules' files and the import warnings, then each session's outcome.
UNCOMPILED = """
import json, sys, warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import matchers, matchers.lexicon, matchers.matcher, matchers.normalize, matchers.rules
matcher = matchers.load_matcher(sys.argv[1])
modules = (matchers.lexicon, matchers.matcher, matchers.normalize, matchers.rules)
print(json.dumps({"files": [m.__file__ for m in modules],
                  "warnings": [str(w.message) for w in caught]}))
for line in sys.stdin:
    result = matcher.score(json.loads(line))
    print(json.dumps([result.score, result.relevant, result.families, result.terms, result.explain()]))
"""


def outcome(result) -> list:
    """What UNCOMPILED prints of a result, as JSON gives it back."""
    return json.loads(json.dumps([result.score, result.relevant, result.families, result.terms, result.explain()]))


def uncompiled_outcomes(tmp_path, sessions: list[dict]) -> tuple[dict, list]:
    copy = tmp_path / "matchers"
    shutil.copytree(ROOT / "matchers", copy, ignore=shutil.ignore_patterns("__pycache__"))
    later = time.time() + 60
    os.utime(copy / "rules.py", (later, later))
    run = subprocess.run(
        [sys.executable, "-c", UNCOMPILED, str(KEYWORDS)], cwd=tmp_path, capture_output=True, text=True,
        check=True, input="".join(json.dumps(session) + "\n" for session in sessions),
    )
    header, *lines = run.stdout.splitlines()
    return json.loads(header), [json.loads(line) for line in lines]


def assert_same_outcomes(tmp_path, matcher, sessions: list[dict]):
    header, uncompiled = uncompiled_outcomes(tmp_path, sessions)
    assert all(path.endswith(".py") for path in header["files"]), header["files"]
    assert len(uncompiled) == len(sessions)
    compiled = [outcome(matcher.score(session)) for session in sessions]
    differences = [(s, c, u) for s, c, u in zip(sessions, compiled, uncompiled) if c != u]
    assert not differences, differences[:3]
    assert sum(1 for c in compiled if c[1]) > len(sessions) // 10  # the comparison covers matches


def test_the_matcher_runs_compiled():
    """`make install` compiled the hot modules; the speed targets of bench/match.py depend on it."""
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    for module in (matchers.lexicon, matchers.matcher, matchers.normalize, matchers.rules):
        assert module.__file__.endswith(suffixes), f"{module.__name__} is not compiled: run `make install`"


def test_a_stale_build_is_set_aside_for_the_source_with_a_warning(tmp_path):
    header, _ = uncompiled_outcomes(tmp_path, [])
    assert len(header["warnings"]) == 1
    assert "rules changed since compiled" in header["warnings"][0]
    assert "make install" in header["warnings"][0]


def test_compiled_and_uncompiled_matchers_agree(tmp_path, matcher):
    sessions = list(generate(3000, [])) + [
        {"description": "Atelier : protéger sa vie privée. Cookies et traceurs."},
        {"title": "Conférence du mardi", "description": "Un module sur les mots de passe ; RGPD."},
        {"title": "Vie privée\x1e et RGPD", "description": "Données\x1e personnelles"},  # the join character
        {"title": "", "description": None, "organiser": "CNIL"},
    ]
    assert_same_outcomes(tmp_path, matcher, sessions)


def test_compiled_and_uncompiled_matchers_agree_on_the_corpus(tmp_path, matcher, dev_records):
    assert_same_outcomes(tmp_path, matcher, dev_records + list(generate(5000, dev_records)))


def test_a_full_word_cache_starts_afresh_and_scores_alike(monkeypatch, matcher):
    """The lexicon forgets its words past a limit (500,000 in use); evidence asked for after that
    judges the words again."""
    sessions = list(generate(400, []))
    expected = [outcome(matcher.score(session)) for session in sessions]
    monkeypatch.setattr(matchers.lexicon, "_CACHE_LIMIT", 60)
    forgetful = matchers.load_matcher(KEYWORDS)
    results = [forgetful.score(session) for session in sessions]
    assert len(forgetful._lexicon.code_of) < 60 + 200  # started afresh, more than once
    assert [outcome(result) for result in results] == expected

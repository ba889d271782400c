"""The matcher against the labelled development corpus in ../shared (skipped when it is absent)."""
import json
from pathlib import Path

import pytest

from matchers import load_matcher
from matchers.evaluate import evaluate

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def records(shared):
    lines = (shared / "corpus" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def matcher():
    return load_matcher(ROOT / "keywords.yml")


def test_dev_precision_and_recall(matcher, records):
    report = evaluate(matcher, records)
    errors = report["false_positives"] + report["false_negatives"]
    assert report["recall"] >= 0.97, errors
    assert report["precision"] >= 0.93, errors
    assert report["tp"] + report["fn"] == sum(r["label"] for r in records)


def test_every_grade_3_session_is_found(matcher, records):
    missed = [r["title"] for r in records if r["grade"] == 3 and not matcher.score(r).relevant]
    assert missed == []


def test_scores_rank_grades(matcher, records):
    """Mean scores: privacy sessions (grades 2-3) > passing mentions (grade 1) > the rest (grade 0)."""
    def mean(grades):
        scores = [matcher.score(r).score for r in records if r["grade"] in grades]
        return sum(scores) / len(scores)

    assert mean((2, 3)) > 80 > mean((1,)) > mean((0,))


def test_evaluate_lists_errors_with_their_evidence(matcher, records):
    """Records all retitled "RGPD" are all flagged: every negative comes back as a false positive."""
    flagged = [dict(r, title="RGPD", description="") for r in records[:20]]
    report = evaluate(matcher, flagged)
    negatives = [r for r in flagged if not r["label"]]
    assert report["fp"] == len(negatives) and report["fn"] == 0
    first = report["false_positives"][0]
    assert set(first) == {"id", "title", "score", "terms"}
    assert first["terms"][0]["term"] == "RGPD"

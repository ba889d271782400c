"""The matcher against the labelled development corpus in ../shared (skipped when it is absent)."""
from matchers.evaluate import evaluate


def test_dev_precision_and_recall(matcher, dev_records):
    report = evaluate(matcher, dev_records)
    errors = report["false_positives"] + report["false_negatives"]
    assert report["recall"] >= 0.97, errors
    assert report["precision"] >= 0.93, errors
    assert report["tp"] + report["fn"] == sum(r["label"] for r in dev_records)


def test_every_grade_3_session_is_found(matcher, dev_records):
    missed = [r["title"] for r in dev_records if r["grade"] == 3 and not matcher.score(r).relevant]
    assert missed == []


def test_scores_rank_grades(matcher, dev_records):
    """Mean scores: privacy sessions (grades 2-3) > passing mentions (grade 1) > the rest (grade 0)."""
    def mean(grades):
        scores = [matcher.score(r).score for r in dev_records if r["grade"] in grades]
        return sum(scores) / len(scores)

    assert mean((2, 3)) > 80 > mean((1,)) > mean((0,))


def test_evaluate_lists_errors_with_their_evidence(matcher, dev_records):
    """Records all retitled "RGPD" are all flagged: every negative comes back as a false positive."""
    flagged = [dict(r, title="RGPD", description="") for r in dev_records[:20]]
    report = evaluate(matcher, flagged)
    negatives = [r for r in flagged if not r["label"]]
    assert report["fp"] == len(negatives) and report["fn"] == 0
    first = report["false_positives"][0]
    assert set(first) == {"id", "title", "score", "terms"}
    assert first["terms"][0]["term"] == "RGPD"

"""Precision/recall of a matcher on labelled sessions, with the errors listed for inspection."""
from collections.abc import Iterable

from matchers.matcher import Matcher


def evaluate(matcher: Matcher, records: Iterable[dict]) -> dict:
    """Figures for `label == 1` and the misclassified records (id, title, score, terms).

    Any object whose `score(session)` returns a MatchResult will do (the bench's baselines too).
    """
    tp = fp = fn = 0
    false_positives, false_negatives = [], []
    for record in records:
        result = matcher.score(record)
        expected = bool(record["label"])
        if result.relevant and expected:
            tp += 1
        elif result.relevant or expected:
            error = {"id": record.get("id"), "title": record.get("title"), "score": result.score, "terms": result.terms}
            if result.relevant:
                fp += 1
                false_positives.append(error)
            else:
                fn += 1
                false_negatives.append(error)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "false_positives": false_positives,
        "false_negatives": false_negatives,
    }

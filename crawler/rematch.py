"""Rescore every stored session with the current keywords.yml (after a vocabulary change)."""
from __future__ import annotations

from matchers import load_matcher

from crawler.scoring import match_record
from crawler.store import Store


def rematch(db_path: str, keywords_path: str) -> tuple[list[dict], str]:
    """Rescore all sessions; returns (sessions whose relevance changed, keywords version)."""
    matcher = load_matcher(keywords_path)
    store = Store(db_path)
    changed, matches = [], {}
    rows = store.db.query(
        "select s.id, s.title, s.description, s.organiser, s.start, m.relevant as was_relevant "
        "from sessions s left join matches m on m.session_id = s.id")
    for row in rows:
        match = matches[row["id"]] = match_record(matcher, row)
        if bool(row["was_relevant"]) != match["relevant"]:
            changed.append({"id": row["id"], "title": row["title"], "start": row["start"],
                            "relevant": match["relevant"], "score": match["score"]})
    store.save_matches(matches)
    return changed, matcher.version

"""Rescore every stored session with the current keywords.yml (after a vocabulary change)."""
from __future__ import annotations

from matchers import load_matcher

from crawler.store import Store


def rematch(db_path: str, keywords_path: str) -> tuple[list[dict], str]:
    """Rescore all sessions; returns (sessions whose relevance changed, keywords version)."""
    matcher = load_matcher(keywords_path)
    store = Store(db_path)
    changed = []
    rows = list(store.db.query(
        "select s.id, s.title, s.description, s.organiser, s.start, m.relevant as was_relevant "
        "from sessions s left join matches m on m.session_id = s.id"))
    for row in rows:
        result = matcher.score(row)
        store.save_match(row["id"], {**result.to_dict(), "why": result.explain(), "keywords_version": matcher.version})
        if bool(row["was_relevant"]) != result.relevant:
            changed.append({"id": row["id"], "title": row["title"], "start": row["start"],
                            "relevant": result.relevant, "score": result.score})
    return changed, matcher.version

"""How a matcher result is kept with a session: score, relevance, evidence, why, theme, version.

The crawl's match pipeline and ``veille rematch`` both store exactly this.
"""
from __future__ import annotations

from matchers.themes import MEDIATION_FAMILY, theme


def match_record(matcher, session) -> dict:
    """The ``match`` dict of a session item (stored in ``matches`` by the store)."""
    result = matcher.score(session)
    return {
        **result.to_dict(),
        "why": result.explain(),
        "keywords_version": matcher.version,
        "mediation_score": result.families.get(MEDIATION_FAMILY, 0.0),
        "theme": theme(result, matcher.threshold),
    }

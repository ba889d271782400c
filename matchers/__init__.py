"""Privacy matcher: judge whether a training session is about digital privacy, with evidence.

Pure package (yaml, rapidfuzz, stdlib): it imports nothing from crawler/, Scrapy or SQLite.
"""
from pathlib import Path

from matchers.keywords import KeywordsError, load_keywords
from matchers.matcher import Matcher, MatchResult

__all__ = ["KeywordsError", "Matcher", "MatchResult", "load_matcher"]


def load_matcher(path: str | Path) -> Matcher:
    """Matcher built from a keywords file; raises KeywordsError naming the file and the line."""
    return Matcher(load_keywords(path))

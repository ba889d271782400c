"""Score a session (any dict of texts) against the vocabulary: 0-100, relevant or not, and evidence.

Speed matters (a crawl scores every session, the bench 100,000): all fields are normalised in one
pass, each token costs one lookup (its vocabulary word's code), most sessions hold no word that
starts a term and stop there, and the rest are checked by short loops around each term
(rules.py). Evidence is only quoted when asked for.
"""
from collections.abc import Mapping
from functools import partial

from matchers.keywords import Keywords
from matchers.lexicon import Lexicon
from matchers.normalize import FIELD, field_tokens, token_spans
from matchers.rules import Rules

# Only the privacy family decides `relevant`; other families (e.g. a future "mediation") are scored
# and reported in `families` without changing what is announced to volunteers.
RELEVANT_FAMILY = "privacy"
_FIELD_NAMES = {"title": "le titre", "description": "la description", "organiser": "l'organisateur"}


QUOTED_PER_FIELD = 3  # a digest line, not the whole programme: the rest is in `terms`


class MatchResult:
    """Score, decision and evidence for one session.

    The evidence quotes the original text, which costs a pass over each field: it is built on
    first access of `terms`, since a crawl scores many sessions and shows few.
    """

    __slots__ = ("score", "relevant", "families", "_terms", "_quote")

    def __init__(self, score: float, relevant: bool, families=None, quote=None):
        self.score = score
        self.relevant = relevant
        self.families = families or {}
        self._terms = None
        self._quote = quote

    @property
    def terms(self) -> list[dict]:
        """Each matched term: {"concept", "term", "field", "text", "similarity"}, strongest first."""
        if self._terms is None:
            self._terms = self._quote() if self._quote else []
            self._quote = None
        return self._terms

    def to_dict(self) -> dict:
        return {"score": self.score, "relevant": self.relevant, "terms": self.terms}

    def explain(self) -> str:
        """French one-liner: which words were found where, strongest first, a few per field
        ("« RGPD », « CNIL » dans le titre ; « traceurs » (+2) dans la description")."""
        if not self.terms:
            return "aucun terme de vie privée trouvé"
        by_field: dict[str, list[str]] = {}
        for term in self.terms:
            quoted = by_field.setdefault(term["field"], [])
            if term["text"].lower() not in {q.lower() for q in quoted}:
                quoted.append(term["text"])
        parts = []
        for field, quoted in by_field.items():
            shown = ", ".join(f"« {text} »" for text in quoted[:QUOTED_PER_FIELD])
            more = f" (+{len(quoted) - QUOTED_PER_FIELD})" if len(quoted) > QUOTED_PER_FIELD else ""
            parts.append(f"{shown}{more} dans {_FIELD_NAMES.get(field, f'le champ {field}')}")
        return " ; ".join(parts)

    def __repr__(self) -> str:
        return f"MatchResult(score={self.score}, relevant={self.relevant}, terms={self.terms})"


class Matcher:
    """Pure matcher: text in, score and evidence out (no crawler, Scrapy or database)."""

    def __init__(self, keywords: Keywords):
        self.keywords = keywords
        self.version = keywords.version
        self.threshold = keywords.threshold
        # (name, weight, whether cues apply) of each field, as each session's texts carry them
        self._fields = [(name, weight, name in keywords.cue_fields) for name, weight in keywords.field_weights.items()]
        term_words = {word for term in keywords.terms for word in term.phrase.words}
        # Context words (qualifiers, negatives, cues) are matched exactly: correcting them too
        # would let "personnel" pass for "personne" and widen every rule.
        vocabulary = term_words | {word for phrase in keywords.context_phrases() for word in phrase.words}
        self._lexicon = Lexicon(vocabulary, term_words, keywords.fuzzy, keywords.never_corrected)
        self._rules = Rules(keywords, self._lexicon.codes)

    def score(self, session: Mapping) -> MatchResult:
        texts = [
            (name, weight, cues, text) for name, weight, cues in self._fields
            if (text := session.get(name)) and isinstance(text, str)
        ]
        words = field_tokens([field[3] for field in texts])
        lexicon = self._lexicon
        lexicon.forget_if_full()
        # Whole texts never repeat but their words do: each word is judged once, then a session
        # costs a lookup per word, and most stop there ("médiathèque", "numérique" only).
        found = self._rules.find(words, lexicon, texts)
        if not found:
            return MatchResult(0.0, False)
        families: dict[str, float] = {}
        for rule, _, points, _ in found:
            families[rule.family] = families.get(rule.family, 0.0) + points
        families = {family: round(min(100.0, points), 1) for family, points in families.items()}
        score = families.get(RELEVANT_FAMILY, 0.0)
        # partial, not a lambda: compiled, a closure costs every call of score() an allocation
        return MatchResult(score, score >= self.threshold, families, partial(self._evidence, found, words, texts))

    def _evidence(self, found: list[tuple], words: list[str], texts: list[tuple]) -> list[dict]:
        """Evidence dicts, quoting the original text of each match (`found` is strongest first)."""
        starts = [0]
        for _ in texts[1:]:
            starts.append(words.index(FIELD, starts[-1]) + 1)
        needed: dict[int, int] = {}  # field -> how many of its first tokens to locate in its text
        for _, index, _, where in found:
            needed[index] = max(needed.get(index, 0), where[-1] - starts[index] + 1)
        spans = {index: token_spans(texts[index][3], count) for index, count in needed.items()}
        evidence = []
        for rule, index, _, where in found:
            name, _, _, text = texts[index]
            first, last = where[0] - starts[index], where[-1] - starts[index]
            located = spans[index]
            evidence.append({
                "concept": rule.term.concept,
                "term": rule.term.phrase.text,
                "field": name,
                # the term itself next to a character folding to several words ("⑴")
                "text": text[located[first][0]:located[last][1]] if last < len(located) else rule.term.phrase.text,
                "similarity": self._similarity(words, where),
            })
        return evidence

    def _similarity(self, words: list[str], where: tuple[int, ...]) -> float:
        """The lowest similarity of a match's words to the vocabulary (100: all spelled right)."""
        return min([self._lexicon.hit(words[position]).similarity for position in where])

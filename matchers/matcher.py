"""Score a session (any dict of texts) against the vocabulary: 0-100, relevant or not, and evidence.

Speed matters (a crawl scores every session, the bench 100,000): all fields are normalised in one
pass, a few set operations reject most sessions, and positions are only computed for the rest.
"""
from bisect import bisect_left, bisect_right
from collections.abc import Mapping

from matchers.keywords import Keywords
from matchers.lexicon import Lexicon
from matchers.normalize import FIELD, SENTENCE, field_tokens, stem, token_spans
from matchers.rules import Cue, Rule, SessionWords, occurrences

# Only the privacy family decides `relevant`; other families (e.g. a future "mediation") are scored
# and reported in `families` without changing what is announced to volunteers.
RELEVANT_FAMILY = "privacy"
_FIELD_NAMES = {"title": "le titre", "description": "la description", "organiser": "l'organisateur"}


QUOTED_PER_FIELD = 3  # a digest line, not the whole programme: the rest is in `terms`


class MatchResult:
    """Score, decision and evidence for one session.

    The evidence quotes the original text, which costs a regex pass per field: it is built on
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
        self._dedicated = Cue(keywords.dedicated) if keywords.dedicated else None
        self._passing = Cue(keywords.passing) if keywords.passing else None
        self._generic = keywords.generic_title
        self._generic_words = frozenset(
            word for phrase in (self._generic.phrases if self._generic else ()) for word in phrase.words
        )
        self._rules_by_first: dict[str, list[Rule]] = {}
        for order, term in enumerate(keywords.terms):
            self._rules_by_first.setdefault(term.phrase.words[0], []).append(Rule(term, order))
        # Rules that need a qualifier nearby: only sessions holding one of them need their vocabulary
        self._qualified = frozenset(rule for rules in self._rules_by_first.values() for rule in rules if rule.near)
        context = keywords.context_phrases()
        self._term_words = frozenset(w for t in keywords.terms for w in t.phrase.words)
        # Context words (qualifiers, negatives, cues) are matched exactly: correcting them too
        # would let "personnel" pass for "personne" and widen every rule.
        vocabulary = self._term_words | {word for phrase in context for word in phrase.words}
        self._lexicon = Lexicon(vocabulary, self._term_words, keywords.fuzzy, keywords.never_corrected)

    def score(self, session: Mapping) -> MatchResult:
        texts = [
            (name, weight, cues, text) for name, weight, cues in self._fields
            if (text := session.get(name)) and isinstance(text, str)
        ]
        words = field_tokens([field[3] for field in texts])
        lexicon = self._lexicon
        # Whole texts never repeat but their words do. Once the common words are judged, two
        # C-level passes over the tokens (all judged already? one standing for a term word?)
        # dismiss most sessions, "médiathèque" or "numérique" only, before anything is built.
        if not lexicon.judged.issuperset(words):
            lexicon.judge(words)
        if lexicon.term_tokens.isdisjoint(words):
            return MatchResult(0.0, False)
        rules = self._candidate_rules(words)
        if not rules:
            return MatchResult(0.0, False)
        session = _Session(words, list(map(lexicon.word_of.get, words)), texts)
        found = self._match(session, rules)
        if not found:
            return MatchResult(0.0, False)
        families: dict[str, float] = {}
        for rule, _, points, _ in found:
            families[rule.family] = families.get(rule.family, 0.0) + points
        families = {family: round(min(100.0, points), 1) for family, points in families.items()}
        score = families.get(RELEVANT_FAMILY, 0.0)
        return MatchResult(
            score, score >= self.threshold, families, quote=lambda: self._evidence(found, session)
        )

    def _candidate_rules(self, words: list[str]) -> list[Rule]:
        """Rules whose words, and one qualifier, all occur in the session: most sessions have none.

        Set operations on the few tokens standing for term words: "durée" (of "durée de
        conservation") is in most generated programmes, and such sessions should cost no more than
        a lookup. The session's whole vocabulary is only gathered for rules that need a qualifier.
        """
        word_of = self._lexicon.word_of
        term_words = set(map(word_of.__getitem__, self._lexicon.term_tokens.intersection(words)))
        rules = [
            rule for word in term_words for rule in self._rules_by_first.get(word, ()) if rule.needs <= term_words
        ]
        if not self._qualified.isdisjoint(rules):
            vocabulary = set(map(word_of.__getitem__, self._lexicon.hit_tokens.intersection(words)))
            rules = [rule for rule in rules if rule.near is None or not rule.near.firsts.isdisjoint(vocabulary)]
        return rules

    def _match(self, session: "_Session", rules: list[Rule]) -> list[tuple]:
        """(rule, field index, points, positions) of each term that passes its context rules,
        strongest first."""
        words, positions, starts, ends = session.words, session.positions, session.starts, session.ends
        weak = self._lexicon.weak_tokens
        best: dict[tuple, tuple] = {}
        for rule in rules:
            if len(rule.words) == 1:  # most terms: their positions are the occurrences
                found = [(position,) for position in positions[rule.words[0]] if words[position] not in weak]
            else:
                found = [
                    where for where in occurrences(rule.words, positions, rule.gap)
                    # "... la vie. Privée ..." is not "vie privée"; "donées persos" is two slips
                    if bisect_left(ends, where[0]) == bisect_left(ends, where[-1])
                    and not weak.issuperset(map(words.__getitem__, where))
                ]
            for where in found:
                field = bisect_right(starts, where[0]) - 1
                points = self._points(rule, where, session, field)
                key = (rule, field)
                if points and (key not in best or points > best[key][2]):
                    best[key] = (rule, field, points, where)
        if len(best) < 2:
            return list(best.values())
        # Overlapping matches count once, the best one: "protection des données" must not also
        # score the weak "données" it contains. Ties go to the first in the text, then in the
        # file, not to the order of a set (which changes with each process's string hashing).
        # Each family keeps its own: mediation's "culture (et) numérique" must not hide privacy's
        # "identité numérique" in "Culture et identité numérique".
        kept, used = [], {}
        for item in sorted(best.values(), key=_strongest_first):
            taken = used.setdefault(item[0].family, set())
            if taken.isdisjoint(item[3]):
                kept.append(item)
                taken.update(item[3])
        return kept

    def _points(self, rule: Rule, where: tuple[int, ...], session: "_Session", field: int) -> float:
        """Term weight after its context rules and cues, times the field weight; 0 when rejected."""
        start, end = where[0], where[-1]
        window, near = rule.window, rule.near
        _, weight, cues, _ = session.texts[field]
        field_end = session.field_ends[field]
        if rule.unless and rule.unless.within(
            session, max(session.starts[field], start - window), min(field_end, end + window)
        ):
            return 0.0
        if not near and not cues:
            return rule.weight * weight
        ends = session.ends
        i = bisect_left(ends, start)  # the sentence around the match: [first, last]
        first = ends[i - 1] + 1 if i else 0
        last = ends[i] - 1 if i < len(ends) else field_end
        if near and not near.within(session, max(first, start - window), min(last, end + window), where):
            return 0.0
        points = rule.weight * weight
        if cues:
            if session.cues is None:
                session.cues = self._cues(session)
            subject, dedicated, passing = session.cues
            points *= subject
            if dedicated and dedicated.within(session, max(first, start - dedicated.before), start - 1):
                points *= dedicated.factor
            if passing and passing.within(session, first, last, where):
                points *= passing.factor
        return points

    def _cues(self, session: "_Session") -> tuple[float, Cue | None, Cue | None]:
        """The session's subject factor, and the cues worth looking for: those with a word in it."""
        present = session.positions.keys()
        dedicated, passing = self._dedicated, self._passing
        return (
            self._subject_factor(session),
            dedicated if dedicated and not dedicated.firsts.isdisjoint(present) else None,
            passing if passing and not passing.firsts.isdisjoint(present) else None,
        )

    def _subject_factor(self, session: "_Session") -> float:
        """Cue fields weigh more when the title is missing or only names a format ("Conférence du
        mardi"): the subject is then in the description."""
        if not self._generic:
            return 1.0
        title = session.words[:session.field_ends[0]] if session.texts[0][0] == "title" else []
        stopwords, generic = self.keywords.stopwords, self._generic_words
        for word in title:
            if word not in stopwords and word != SENTENCE and not word.isdigit() and stem(word) not in generic:
                return 1.0
        return self._generic.factor

    def _evidence(self, found: list[tuple], session: "_Session") -> list[dict]:
        """Evidence dicts, quoting the original text of each match (`found` is strongest first)."""
        words, texts, starts, ends = session.words, session.texts, session.starts, session.field_ends
        spans: dict[int, list[tuple[int, int]]] = {}
        evidence = []
        for rule, index, _, where in found:
            name, _, _, text = texts[index]
            if index not in spans:
                spans[index] = token_spans(text)
            first, last = where[0] - starts[index], where[-1] - starts[index]
            if len(spans[index]) == ends[index] - starts[index]:
                quoted = text[spans[index][first][0]:spans[index][last][1]]
            else:  # a token made only of letters without ASCII form: quote the term itself
                quoted = rule.term.phrase.text
            evidence.append({
                "concept": rule.term.concept,
                "term": rule.term.phrase.text,
                "field": name,
                "text": quoted,
                "similarity": min(self._lexicon.hit(words[i]).similarity for i in where),
            })
        return evidence


def _strongest_first(found: tuple) -> tuple:
    """Sort key of a (rule, field, points, positions) match: points, length, then reading order."""
    rule, field, points, where = found
    return -points, -len(where), field, where[0], rule.order


class _Session(SessionWords):
    """What the context rules of one session read: its tokens and fields (name, weight, cues,
    text), where its vocabulary words stand, sentence ends (marks and field joins), and where
    each field starts and ends (end excluded)."""

    __slots__ = ("words", "texts", "ends", "starts", "field_ends", "cues")

    def __init__(self, words, mapped, texts):
        SessionWords.__init__(self, mapped)
        self.words, self.texts = words, texts
        joins = self.positions.get(FIELD, [])
        marks = self.positions.get(SENTENCE)
        self.ends = sorted(marks + joins) if marks else joins
        self.starts = [0, *[join + 1 for join in joins]]
        self.field_ends = joins + [len(words)]
        self.cues = None  # (subject factor, dedicated, passing), worked out for the first cue field

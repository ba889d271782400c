"""Score a session (any dict of texts) against the vocabulary: 0-100, relevant or not, and evidence.

Speed matters (a crawl scores every session, the bench 100,000): all fields are normalised in one
pass, a few set operations reject most sessions, and positions are only computed for the rest.
"""
from bisect import bisect_left, bisect_right
from collections.abc import Mapping

from matchers.keywords import Keywords
from matchers.lexicon import Lexicon
from matchers.normalize import FIELD, SENTENCE, field_tokens, stem, token_spans
from matchers.rules import Cue, Rule, occurrences

# Only the privacy family decides `relevant`; other families (e.g. a future "mediation") are scored
# and reported in `families` without changing what is announced to volunteers.
RELEVANT_FAMILY = "privacy"
_FIELD_NAMES = {"title": "le titre", "description": "la description", "organiser": "l'organisateur"}
_MARKS = frozenset((SENTENCE, FIELD))


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
        """French one-liner: which words were found where."""
        if not self.terms:
            return "aucun terme de vie privée trouvé"
        seen, parts = set(), []
        for term in self.terms:
            key = (term["text"].lower(), term["field"])
            if key not in seen:
                seen.add(key)
                where = _FIELD_NAMES.get(term["field"], f"le champ {term['field']}")
                parts.append(f"« {term['text']} » dans {where}")
        return " ; ".join(parts)

    def __repr__(self) -> str:
        return f"MatchResult(score={self.score}, relevant={self.relevant}, terms={self.terms})"


class Matcher:
    """Pure matcher: text in, score and evidence out (no crawler, Scrapy or database)."""

    def __init__(self, keywords: Keywords):
        self.keywords = keywords
        self.version = keywords.version
        self.threshold = keywords.threshold
        self._fields = list(keywords.field_weights.items())
        self._dedicated = Cue(keywords.dedicated) if keywords.dedicated else None
        self._passing = Cue(keywords.passing) if keywords.passing else None
        self._generic = keywords.generic_title
        self._generic_words = frozenset(
            word for phrase in (self._generic.phrases if self._generic else ()) for word in phrase.words
        )
        self._rules_by_first: dict[str, list[Rule]] = {}
        for term in keywords.terms:
            self._rules_by_first.setdefault(term.phrase.words[0], []).append(Rule(term))
        context = [p for t in keywords.terms for p in t.near + t.unless]
        context += [p for cue in (keywords.dedicated, keywords.passing) if cue for p in cue.phrases]
        term_words = {w for t in keywords.terms for w in t.phrase.words}
        # Context words (qualifiers, negatives, cues) are matched exactly: correcting them too
        # would let "personnel" pass for "personne" and widen every rule.
        vocabulary = term_words | {word for phrase in context for word in phrase.words}
        self._lexicon = Lexicon(vocabulary, term_words, keywords.fuzzy, keywords.never_corrected)

    def score(self, session: Mapping) -> MatchResult:
        texts = [
            (name, weight, text) for name, weight in self._fields
            if (text := session.get(name)) and isinstance(text, str)
        ]
        words = field_tokens([text for _, _, text in texts])
        present = self._lexicon.present(set(words))
        rules = self._candidate_rules(present) if present else None
        if not rules:
            return MatchResult(0.0, False)
        found = self._match(words, present, rules, texts)
        if not found:
            return MatchResult(0.0, False)
        families: dict[str, float] = {}
        for rule, _, points, _ in found:
            families[rule.family] = families.get(rule.family, 0.0) + points
        families = {family: round(min(100.0, points), 1) for family, points in families.items()}
        score = families.get(RELEVANT_FAMILY, 0.0)
        return MatchResult(
            score, score >= self.threshold, families, quote=lambda: self._evidence(found, words, texts)
        )

    def _candidate_rules(self, present: set[str]) -> list[Rule]:
        """Rules whose words, and one qualifier, all occur in the session: most sessions have none."""
        word_of = self._lexicon.word_of
        found = self._lexicon.term_tokens(present)
        if not found:  # only qualifiers, such as "médiathèque" in the organiser
            return []
        term_words = set(map(word_of.__getitem__, found))
        rules = [
            rule for word in term_words for rule in self._rules_by_first.get(word, ()) if rule.needs <= term_words
        ]
        if not rules or all(rule.near is None for rule in rules):
            return rules
        vocabulary = set(map(word_of.__getitem__, present))
        return [rule for rule in rules if rule.near is None or not rule.near.firsts.isdisjoint(vocabulary)]

    def _match(self, words: list[str], present: set[str], rules: list[Rule], texts) -> list[tuple]:
        """(rule, field index, points, positions) of each term that passes its context rules."""
        word_of = self._lexicon.word_of
        present |= _MARKS
        positions: dict[str, list[int]] = {}
        ends = []  # sentence marks and field separators: qualifiers and cues stop there
        starts = [0]  # first token of each field
        for index in [i for i, token in enumerate(words) if token in present]:
            token = words[index]
            if token in _MARKS:
                ends.append(index)
                if token == FIELD:
                    starts.append(index + 1)
            elif (word := word_of[token]) in positions:
                positions[word].append(index)
            else:
                positions[word] = [index]
        session = _Session(words, positions, ends, starts, texts, self.keywords.cue_fields)
        weak = self._lexicon.weak_tokens
        best: dict[tuple, tuple] = {}
        for rule in rules:
            for where in occurrences(rule.words, positions, rule.gap):
                field = bisect_right(starts, where[0]) - 1
                if where[-1] >= session.field_ends[field] or (weak and weak.issuperset([words[i] for i in where])):
                    continue
                if len(where) > 1 and bisect_left(ends, where[0]) != bisect_left(ends, where[-1]):
                    continue  # "... la vie. Privée ..." is not "vie privée"
                points = self._points(rule, where, session, field)
                key = (rule, field)
                if points and (key not in best or points > best[key][2]):
                    best[key] = (rule, field, points, where)
        if len(best) < 2:
            return list(best.values())
        # Overlapping matches count once, the best one: "protection des données" must not also
        # score the weak "données" it contains.
        kept, used = [], set()
        for item in sorted(best.values(), key=lambda found: (-found[2], -len(found[3]))):
            if used.isdisjoint(item[3]):
                kept.append(item)
                used.update(item[3])
        return kept

    def _points(self, rule: Rule, where: tuple[int, ...], session: "_Session", field: int) -> float:
        """Term weight after its context rules and cues, times the field weight; 0 when rejected."""
        start, end = where[0], where[-1]
        window, positions = rule.window, session.positions
        field_start, field_end = session.starts[field], session.field_ends[field]
        unless = rule.unless
        if unless and unless.within(positions, max(field_start, start - window), min(field_end, end + window)):
            return 0.0
        cues = session.cues[field]
        if not rule.near and not cues:
            return rule.weight * session.weights[field]
        ends = session.ends
        i = bisect_left(ends, start)  # the sentence around the match: [first, last]
        first = ends[i - 1] + 1 if i else 0
        last = ends[i] - 1 if i < len(ends) else field_end
        if rule.near and not rule.near.within(positions, max(first, start - window), min(last, end + window), where):
            return 0.0
        points = rule.weight * session.weights[field]
        if cues:
            if session.subject is None:
                session.subject = self._subject_factor(session)
            points *= session.subject
            dedicated, passing = self._dedicated, self._passing
            if dedicated and dedicated.within(positions, max(first, start - dedicated.before), start - 1):
                points *= dedicated.factor
            if passing and passing.within(positions, first, last, where):
                points *= passing.factor
        return points

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

    def _evidence(self, found: list[tuple], words: list[str], texts) -> list[dict]:
        """Evidence dicts, quoting the original text of each match."""
        starts = [0] + [i + 1 for i, token in enumerate(words) if token == FIELD]
        ends = [start - 1 for start in starts[1:]] + [len(words)]
        spans: dict[int, list[tuple[int, int]]] = {}
        evidence = []
        for rule, index, _, where in sorted(found, key=lambda item: -item[2]):
            name, _, text = texts[index]
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


class _Session:
    """What the context rules of one session read: its tokens, the positions of vocabulary words,
    sentence ends, and where each field starts and ends (end excluded), with its weight."""

    __slots__ = ("words", "positions", "ends", "starts", "field_ends", "weights", "cues", "texts", "subject")

    def __init__(self, words, positions, ends, starts, texts, cue_fields):
        self.words, self.positions, self.ends, self.starts, self.texts = words, positions, ends, starts, texts
        self.field_ends = [start - 1 for start in starts[1:]] + [len(words)]
        self.weights = [weight for _, weight, _ in texts]
        self.cues = [name in cue_fields for name, _, _ in texts]
        self.subject = None  # description factor under a format-only title, worked out when needed

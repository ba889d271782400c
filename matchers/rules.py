"""The keywords compiled for the hot loop, and the search of one session's terms in context.

A session is read as a list of integer codes, one per token (see `Lexicon.code_of`): 0 for a
word outside the vocabulary, `SENTENCE_CODE` and `FIELD_CODE` for the marks, the number of its
vocabulary word otherwise. Every check is a short loop over that list, a few tokens around
each term. Cython compiles this module when the package is built (types in `rules.pxd`), which
makes those loops C loops; uncompiled, the same code gives the same results, only slower.
"""
from matchers.keywords import Cue as CueSpec
from matchers.keywords import Keywords, Phrase, Term
from matchers.lexicon import FIELD_CODE, SENTENCE_CODE, Lexicon
from matchers.normalize import FIELD, SENTENCE, stem


class Context:
    """Phrases searched around a match (qualifiers, negatives, cues), as codes."""

    def __init__(self, phrases: tuple[Phrase, ...], codes: dict[str, int]):
        size = max(codes.values()) + 1
        singles = bytearray(size)
        longer: dict[int, list] = {}
        for phrase in phrases:
            words = tuple(codes[word] for word in phrase.words)
            if len(words) == 1:  # most phrases: a table lookup
                singles[words[0]] = 1
            else:
                longer.setdefault(words[0], []).append(words)
        self.singles = bytes(singles)
        self.longer = longer
        self.longer_firsts = bytes(1 if code in longer else 0 for code in range(size))

    def within(self, codes: list, low: int, high: int, skip: tuple = ()) -> bool:
        """Whether one phrase stands entirely inside [low, high], apart from the match at `skip`.

        The match's own words do not count: "escroqueries" qualifies "escroqueries" only when
        it occurs a second time in the window.
        """
        last = min(high, len(codes) - 1)
        singles, longer_firsts = self.singles, self.longer_firsts
        for position in range(max(low, 0), last + 1):
            code = codes[position]
            if singles[code] and position not in skip:
                return True
            if longer_firsts[code]:
                for words in self.longer[code]:
                    where = occurrence(codes, position, words, 1, False)
                    if where is not None and where[-1] <= last and not _covers(skip, where):
                        return True
        return False


class Cue(Context):
    """Cue words with the factor they apply and how far before a match they are looked for."""

    def __init__(self, spec: CueSpec, codes: dict[str, int]):
        super().__init__(spec.phrases, codes)
        self.factor = spec.factor
        self.before = spec.before or 10_000  # 0 in the file: the whole sentence


class Rule:
    """A term with what the hot loop reads, flattened: its word codes, weight and contexts."""

    def __init__(self, term: Term, order: int, codes: dict[str, int]):
        self.term = term
        self.order = order  # in the keywords file: breaks ties between equal matches
        self.family = term.family
        self.words = tuple(codes[word] for word in term.phrase.words)
        self.weight, self.gap, self.window = term.weight, term.gap, term.window
        self.near = Context(term.near, codes) if term.near else None
        self.unless = Context(term.unless, codes) if term.unless else None


def occurrence(codes: list, start: int, words: tuple, gap: int, one_sentence: bool) -> tuple | None:
    """Positions of `words` from `start` (where the first one stands), each the first occurrence
    of its word after the previous one, with at most `gap` other tokens in between; None if a
    word is missing, or, with `one_sentence`, if a mark comes first ("... la vie. Privée ...")."""
    where = None  # built once the second word is found: most tries stop before
    size = len(codes)
    previous = start
    for index in range(1, len(words)):
        word = words[index]
        found = -1
        for position in range(previous + 1, min(previous + gap + 2, size)):
            code = codes[position]
            if code == word:
                found = position
                break
            if one_sentence and (code == SENTENCE_CODE or code == FIELD_CODE):
                return None
        if found < 0:
            return None
        if where is None:
            where = [start]
        where.append(found)
        previous = found
    return tuple(where)


class Rules:
    """Every term's rule by the code of its first word, the cues, and the search itself."""

    def __init__(self, keywords: Keywords, codes: dict[str, int]):
        by_first: dict[int, list[Rule]] = {}
        for order, term in enumerate(keywords.terms):
            rule = Rule(term, order, codes)
            by_first.setdefault(rule.words[0], []).append(rule)
        # The rules starting with each code, None for most: a list is the quickest lookup
        self.by_first = [by_first.get(code) for code in range(max(codes.values()) + 1)]
        self.dedicated = Cue(keywords.dedicated, codes) if keywords.dedicated else None
        self.passing = Cue(keywords.passing, codes) if keywords.passing else None
        generic = keywords.generic_title
        self.generic_factor = generic.factor if generic else None
        # Title tokens that say nothing of the subject: stopwords, marks and format words with
        # their plurals, listed as tokens so that each costs one lookup ("ateliers" -> "atelier").
        formats = {word for phrase in (generic.phrases if generic else ()) for word in phrase.words}
        self.no_subject = keywords.stopwords | {SENTENCE} | {
            token for word in formats for token in (word, word + "s", word + "x") if stem(token) in formats
        }

    def find(self, tokens: list, lexicon: Lexicon, fields: list) -> list:
        """(rule, field index, points, positions) of each term passing its context rules,
        strongest first. Tokens are read through the lexicon (judged there when new); `fields`
        holds each field's (name, weight, cues, text) in the order their tokens come."""
        code_of, weak = lexicon.code_of, lexicon.weak_tokens
        size = len(tokens)
        codes = [0] * size
        firsts, field_ends = [], []  # where a term may start; where each field ends (its join)
        for index in range(size):
            known = code_of.get(tokens[index])
            if known is None:
                known = lexicon.code(tokens[index])
            codes[index] = known  # the object itself: compiled, `code` is a C integer
            code = known
            if self.by_first[code] is not None:
                firsts.append(index)
            elif code == FIELD_CODE:
                field_ends.append(index)
        if not firsts:
            return []
        field_ends.append(size)
        best: dict = {}
        subject = -1.0  # the title's factor, worked out for the first match in a cue field
        field, field_start = 0, 0
        for start in firsts:
            while start > field_ends[field]:
                field_start = field_ends[field] + 1
                field += 1
            field_end = field_ends[field]
            _, weight, cues, _ = fields[field]
            sentence_start = start
            while sentence_start > field_start and codes[sentence_start - 1] != SENTENCE_CODE:
                sentence_start -= 1
            for rule in self.by_first[codes[start]]:
                if len(rule.words) == 1:
                    if tokens[start] in weak:
                        continue
                    where = (start,)
                else:
                    where = occurrence(codes, start, rule.words, rule.gap, True)
                    # "donées persos" is two slips, not a term
                    if where is None or _all_weak(tokens, where, weak):
                        continue
                if cues and subject < 0:
                    subject = self._subject_factor(tokens, fields)
                points = self._points(rule, where, codes, field_start, field_end, sentence_start, weight, cues, subject)
                if points:
                    key = (rule, field)
                    if key not in best or points > best[key][2]:
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

    def _points(self, rule: Rule, where: tuple, codes: list, field_start: int, field_end: int,
                sentence_start: int, weight: float, cues: bool, subject: float) -> float:
        """Term weight after its context rules and cues, times the field weight; 0 when rejected."""
        start, end = where[0], where[-1]
        window = rule.window
        unless, near = rule.unless, rule.near
        if unless is not None and unless.within(codes, max(field_start, start - window), min(field_end, end + window)):
            return 0.0
        if near is None and not cues:
            return rule.weight * weight
        sentence_end = end + 1  # the sentence around the match: [sentence_start, last]
        while sentence_end < field_end and codes[sentence_end] != SENTENCE_CODE:
            sentence_end += 1
        last = sentence_end - 1
        if near is not None and not near.within(codes, max(sentence_start, start - window), min(last, end + window), where):
            return 0.0
        points = rule.weight * weight
        if cues:
            points *= subject
            dedicated, passing = self.dedicated, self.passing
            if dedicated is not None and dedicated.within(codes, max(sentence_start, start - dedicated.before), start - 1):
                points *= dedicated.factor
            if passing is not None and passing.within(codes, sentence_start, last, where):
                points *= passing.factor
        return points

    def _subject_factor(self, tokens: list, fields: list) -> float:
        """Cue fields weigh more when the title is missing or only names a format ("Conférence du
        mardi"): the subject is then in the description."""
        if self.generic_factor is None:
            return 1.0
        if fields[0][0] == "title":
            for word in tokens:
                if word == FIELD:
                    break
                if word not in self.no_subject and not word.isdigit():
                    return 1.0
        return self.generic_factor


# Loops, not all(...): Cython compiles no generator expression inside a cpdef function.
def _covers(skip: tuple, where: tuple) -> bool:
    """Whether every position of the match `where` is in `skip`."""
    for position in where:
        if position not in skip:
            return False
    return True


def _all_weak(tokens: list, where: tuple, weak: set) -> bool:
    """Whether every token of the match `where` is a weak correction ("donées persos")."""
    for position in where:
        if tokens[position] not in weak:
            return False
    return True


def _strongest_first(found: tuple) -> tuple:
    """Sort key of a (rule, field, points, positions) match: points, length, then reading order."""
    rule, field, points, where = found
    return -points, -len(where), field, where[0], rule.order

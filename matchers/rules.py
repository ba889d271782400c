"""Compiled form of the keywords, laid out for the matcher's hot loop.

Positions are token indexes in a session; `positions` maps each vocabulary word found to the
sorted list of its indexes.
"""
from matchers.keywords import Cue as CueSpec
from matchers.keywords import Phrase, Term


class Context:
    """Phrases searched around a match (qualifiers, negatives, cues), with a cheap first test."""

    def __init__(self, phrases: tuple[Phrase, ...]):
        # One-word phrases are most of them and need no sequence check.
        self.singles = frozenset(p.words[0] for p in phrases if len(p.words) == 1)
        self.longer: dict[str, list[tuple[str, ...]]] = {}
        for phrase in phrases:
            if len(phrase.words) > 1:
                self.longer.setdefault(phrase.words[0], []).append(phrase.words)
        self.firsts = self.singles | frozenset(self.longer)

    def within(self, positions: dict[str, list[int]], low: int, high: int, skip: tuple[int, ...] = ()) -> bool:
        """Whether one phrase occurs entirely inside [low, high], apart from the match itself."""
        for word in self.singles.intersection(positions):
            for position in positions[word]:
                if low <= position <= high and position not in skip:
                    return True
        for first in self.longer.keys() & positions.keys():
            for words in self.longer[first]:
                for where in occurrences(words, positions, 1):
                    if low <= where[0] and where[-1] <= high and not set(where) <= set(skip):
                        return True
        return False


class Cue(Context):
    """Cue words with the factor they apply and how far before a match they are looked for."""

    def __init__(self, spec: CueSpec):
        super().__init__(spec.phrases)
        self.factor = spec.factor
        self.before = spec.before or 10_000  # 0 in the file: the whole sentence


class Rule:
    """A term with what the hot loop reads, flattened: its words, weight and contexts."""

    def __init__(self, term: Term):
        self.term = term
        self.family = term.family
        self.words = term.phrase.words
        self.needs = frozenset(term.phrase.words)
        self.weight, self.gap, self.window = term.weight, term.gap, term.window
        self.near = Context(term.near) if term.near else None
        self.unless = Context(term.unless) if term.unless else None


def occurrences(words: tuple[str, ...], positions: dict[str, list[int]], gap: int) -> list[tuple[int, ...]]:
    """Positions of each word of a phrase, in order, with at most `gap` other words in between."""
    if len(words) == 1:
        return [(p,) for p in positions.get(words[0], ())]
    found = []
    for start in positions.get(words[0], ()):
        where = [start]
        for word in words[1:]:
            following = [p for p in positions.get(word, ()) if where[-1] < p <= where[-1] + gap + 1]
            if not following:
                break
            where.append(following[0])
        else:
            found.append(tuple(where))
    return found

"""Compiled form of the keywords, laid out for the matcher's hot loop.

A session is read through `SessionWords`: `mapped` holds, for each token, its vocabulary word
(None for other words, the mark itself for `|` and `#`), and `positions` maps each vocabulary
word found to the sorted list of its token indexes.
"""
from bisect import bisect_right
from itertools import compress, count

from matchers.keywords import Cue as CueSpec
from matchers.keywords import Phrase, Term


class SessionWords:
    """Where the vocabulary words of one session stand, as the context rules read them."""

    __slots__ = ("mapped", "positions")

    def __init__(self, mapped: list[str | None]):
        self.mapped = mapped
        positions: dict[str, list[int]] = {}
        for index in compress(count(), mapped):
            word = mapped[index]
            if word in positions:
                positions[word].append(index)
            else:
                positions[word] = [index]
        self.positions = positions


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

    def within(self, session: SessionWords, low: int, high: int, skip: tuple[int, ...] = ()) -> bool:
        """Whether one phrase occurs entirely inside [low, high], apart from the match at `skip`.

        A slice of the session's vocabulary words and set tests, in C: no loop over tokens.
        """
        mapped = session.mapped
        window = mapped[low:high + 1]
        if self.firsts.isdisjoint(window):
            return False
        found = self.singles.intersection(window)
        if found:
            if not skip or found.isdisjoint(map(mapped.__getitem__, skip)):
                return True
            # The match's own word is among the phrases: "escroqueries" qualifies "escroqueries",
            # but only a second occurrence in the window does.
            own = [mapped[i] for i in skip]
            if any(window.count(word) > own.count(word) for word in found):
                return True
        if not self.longer:
            return False
        positions = session.positions
        for first in self.longer.keys() & set(window):
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

    def __init__(self, term: Term, order: int):
        self.term = term
        self.order = order  # in the keywords file: breaks ties between equal matches
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
    following = [positions.get(word) for word in words[1:]]
    if None in following:
        return []
    found = []
    for start in positions.get(words[0], ()):
        where = [start]
        for later in following:  # sorted: the next occurrence after the previous word is a bisect away
            i = bisect_right(later, where[-1])
            if i == len(later) or later[i] > where[-1] + gap + 1:
                break
            where.append(later[i])
        else:
            found.append(tuple(where))
    return found

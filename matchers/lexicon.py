"""Map text tokens to vocabulary words: exactly, through plurals, or as a typo (rapidfuzz).

Whole texts never repeat but their words do, so each distinct token is judged once and cached.
"""
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Indel

from matchers.keywords import Fuzzy
from matchers.normalize import FIELD, SENTENCE, stem

_CACHE_LIMIT = 500_000  # distinct tokens kept before starting afresh; a few tens of MB at most

# Codes of a session's tokens (see `Lexicon.code_of`): 0 for other words, then the two marks,
# then the vocabulary words, numbered in alphabetical order.
SENTENCE_CODE, FIELD_CODE, FIRST_WORD_CODE = 1, 2, 3


@dataclass(frozen=True)
class Hit:
    """A token recognised as a vocabulary word."""

    word: str
    similarity: float  # 100 for an exact or plural form
    strong: bool  # may carry a term on its own; a short correction ("donées") only accompanies


class Lexicon:
    """Vocabulary lookup with typo correction restricted to words that could be typos of terms."""

    def __init__(self, words: set[str], correctable: set[str], fuzzy: Fuzzy, never_corrected: frozenset[str]):
        self._words = frozenset(words)
        self._fuzzy = fuzzy
        self._never_corrected = never_corrected
        self.codes = {word: code for code, word in enumerate(sorted(words), start=FIRST_WORD_CODE)}
        self._candidates: dict[tuple[int, str], list[str]] = {}
        self._anagrams: dict[str, list[str]] = {}
        for word in sorted(correctable):
            if len(word) >= 4:
                self._anagrams.setdefault("".join(sorted(word)), []).append(word)
            if len(word) >= fuzzy.min_length:
                # Only words of about the same length can be within the edit limit
                for length in range(len(word) - fuzzy.max_edits, len(word) + fuzzy.max_edits + 1):
                    for key in self._buckets(length, word):
                        self._candidates.setdefault(key, []).append(word)
        self._reset()

    def _buckets(self, length: int, word: str) -> list[tuple[int, str]]:
        """Keys of the candidate lists a word of this length is compared with.

        One edit leaves the first or the last letter of a word, and from five letters on its first
        two or its last two: both ends are indexed, and a typo is compared with a handful of
        vocabulary words instead of all of it.
        """
        if self._fuzzy.max_edits != 1:
            return [(length, "")]
        end = 2 if length >= 5 else 1
        return [(length, "^" + word[:end]), (length, word[-end:] + "$")]

    def _reset(self):
        self._hits: dict[str, Hit] = {}
        # Every token judged so far -> the code of its vocabulary word, 0 for other words: the
        # matcher's lookup for each token of each session. The marks have theirs.
        self.code_of: dict[str, int] = {SENTENCE: SENTENCE_CODE, FIELD: FIELD_CODE}
        self.weak_tokens: set[str] = set()  # short corrections: they never carry a term alone

    def code(self, token: str) -> int:
        """Judge a token not seen yet (vocabulary word, typo of a term word, or neither), remember
        it in `code_of` and return its code."""
        hit = self._judge(token)
        if hit is None:
            self.code_of[token] = 0
            return 0
        self._hits[token] = hit
        if not hit.strong:
            self.weak_tokens.add(token)
        code = self.code_of[token] = self.codes[hit.word]
        return code

    def forget_if_full(self) -> None:
        """Start afresh once the cache is full; between sessions, since a session reads `code_of`
        and `weak_tokens` as they are."""
        if len(self.code_of) > _CACHE_LIMIT:
            self._reset()

    def hit(self, token: str) -> Hit:
        """How a token mapped by `code_of` was recognised (judged again if the cache was reset)."""
        known = self._hits.get(token)
        return known if known is not None else self._judge(token)

    def _judge(self, token: str) -> Hit | None:
        word = stem(token)
        if word in self._words:
            return Hit(word, 100.0, True)
        if len(word) < 4 or word in self._never_corrected or not word.isalpha():
            return None
        # "RGDP" for "RGPD": a swap of two neighbouring letters is the commonest typo in acronyms,
        # which are too short for a ratio cut-off to tell a typo from another word.
        for candidate in self._anagrams.get("".join(sorted(word)), ()):
            if _is_adjacent_swap(word, candidate):
                return Hit(candidate, round(fuzz.ratio(word, candidate), 1), True)
        if len(word) < self._fuzzy.min_length:
            return None
        # Edits, not a ratio: a typo is one slip ("personelles", "donées"), while real words of the
        # same family differ by two or more ("formation"/"information", "exposition"/"position").
        # Short words only get a missing or extra letter: one changed letter too often makes
        # another word ("suite"/"fuite", "porte"/"forte", "aussi"/"ANSSI").
        long_word = len(word) >= self._fuzzy.long_length
        near = process.extract(
            word,
            [c for key in self._buckets(len(word), word) for c in self._candidates.get(key, ())],
            scorer=OSA.distance if long_word else Indel.distance,
            score_cutoff=self._fuzzy.max_edits,
            limit=None,
        )
        if not near:
            return None
        # The closest; among equals, one with the same first letter, then the first alphabetically
        by_first_letter = self._fuzzy.max_edits == 1
        corrected = min(near, key=lambda found: (found[1], by_first_letter and found[0][0] != word[0], found[0]))[0]
        return Hit(corrected, round(fuzz.ratio(word, corrected), 1), long_word)


def _is_adjacent_swap(word: str, other: str) -> bool:
    diffs = [i for i, (a, b) in enumerate(zip(word, other)) if a != b]
    return len(diffs) == 2 and diffs[1] == diffs[0] + 1

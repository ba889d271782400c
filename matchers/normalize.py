"""Text normalisation shared by the keywords file and the matcher, built for speed.

Case, accents, ligatures, apostrophes and hyphens are folded so that "Vie Privée", "VIE PRIVEE"
and "vie-privee" give the same tokens. Sentence punctuation becomes a `|` token, because the
dedication/passing cues must not reach across sentences.
"""
import codecs
import functools
import re
import string
import unicodedata

SENTENCE = "|"
FIELD = "#"  # between the fields of a session normalised in one pass
_JOIN_CHAR = "\x1e"  # folds to FIELD
_FIELD_JOIN = f" {_JOIN_CHAR} "
_SPACED_SENTENCE = f" {SENTENCE} "

_SENTENCE_CHARS = ".;!?\n…"  # ends of sentences and programme items ("Jour 1 : ... ; 2) ...")
# Characters NFKD cannot fold to ASCII. Without this step the ASCII encoding would drop them and
# glue words together ("l’anonymat" -> "lanonymat") or cut them ("cœur" -> "cur"). "I&L" (loi
# Informatique et Libertés) must stay one token, and "Data & société" reads "data et société".
_BEFORE_NFKD = [
    ("œ", "oe"), ("Œ", "OE"), ("æ", "ae"), ("Æ", "AE"), ("ß", "ss"), ("…", "."),
    ("’", " "), ("‘", " "), ("«", " "), ("»", " "), ("–", " "), ("—", " "), ("\xa0", " "),
    ("\u202f", " "), ("•", " "), ("·", " "), ("‐", " "), ("‑", " "), ("“", " "), ("”", " "),
]
_REPLACEMENTS = dict(_BEFORE_NFKD, **{"&": "et"})
_REPLACE_RE = re.compile("[" + "".join(_REPLACEMENTS) + "]")


def _ascii_table() -> bytes:
    """Byte table: letters lowercased, digits kept, sentence marks to `|`, other bytes to spaces."""
    table = bytearray(b" " * 256)
    for char in string.ascii_lowercase + string.digits:
        table[ord(char)] = ord(char)
    for char in string.ascii_uppercase:
        table[ord(char)] = ord(char.lower())
    for char in _SENTENCE_CHARS[:-1]:
        table[ord(char)] = ord(SENTENCE)
    table[ord(_JOIN_CHAR)] = ord(FIELD)
    return bytes(table)


_ASCII = _ascii_table()


def _fold_any(text: str) -> str:
    """The reference folding, for any text: replacements, NFKD, then ASCII bytes through _ASCII.

    Letters without an ASCII form (Cyrillic, "ø") are dropped: French catalogues do not depend on
    them. It costs about 4 µs a session (a regex pass, NFKD, three conversions): `_fold` only
    calls it for characters outside its table, and builds that table with it.
    """
    if not text.isascii():
        text = _REPLACE_RE.sub(lambda match: _REPLACEMENTS[match.group()], text)
        text = unicodedata.normalize("NFKD", text)
    elif "&" in text:
        text = text.replace("&", "et")
    return text.encode("ascii", "ignore").translate(_ASCII).decode("ascii")


_SPACE, _MARK, _DROPPED = b" |~"


@functools.cache
def _shape_of(char: str) -> int:
    """The shape of a character, as `token_spans` reads a text: `a` for a character folding to
    letters or digits, `|` for a sentence mark, `~` for a character the folding drops (inside a
    word, it stays in its span), a space for the rest, field joins included (`field_tokens`
    reads them as spaces in a field's text)."""
    folded = _fold_any(char)
    if not folded:
        return _DROPPED
    if folded == SENTENCE:
        return _MARK
    return ord("a") if folded.strip(" " + FIELD) else _SPACE


class _Table:
    """One-pass folding of a set of up to 256 characters, equal to `_fold_any`.

    A text encoded with one byte per character (see `_encode`) is folded by a byte table in C
    ("é", "É", "è" -> "e"), which also deletes the characters `_fold_any` drops ("€"). The few
    that fold to several letters ("œ" -> "oe", "&" -> "et") get a placeholder byte above 0x7f,
    expanded afterwards in the rare texts holding one.
    """

    def __init__(self, chars: list[str]):
        fold, dropped, self.expansions = bytearray(256), bytearray(), {}
        for byte, char in enumerate(chars):
            folded = _fold_any(char).encode("ascii")
            if len(folded) == 1:
                fold[byte] = folded[0]
            elif not folded:
                dropped.append(byte)
            else:
                placeholder = 0x80 + len(self.expansions)
                fold[byte] = placeholder
                self.expansions[bytes([placeholder])] = folded
        self.fold, self.dropped = bytes(fold), bytes(dropped)
        self.shape = bytes(map(_shape_of, chars)).ljust(256)

    def folded(self, encoded: bytes) -> str:
        """The folded text (see `_fold`) of a text encoded for this table."""
        folded = encoded.translate(self.fold, self.dropped)
        if not folded.isascii():
            folded = _EXPANSION_RE.sub(self._expand, folded)
        return folded.decode("ascii")

    def _expand(self, placeholder: re.Match) -> bytes:
        return self.expansions[placeholder.group()]


_EXPANSION_RE = re.compile(b"[\x80-\xff]")
# Most French text is Latin-1, which Python encodes fastest; web typography ("’", "œ", "…")
# takes a codec of its own: ASCII, Latin-1 letters and signs, then the typography itself.
_LATIN_1 = _Table([chr(byte) for byte in range(256)])
_TYPOGRAPHY_CHARS = [
    *map(chr, range(0x80)), *map(chr, range(0xA0, 0x100)), *"œŒŸ’‘‚“”„‹›–—…•‐‑\u2009\u202f€"
]
_TYPOGRAPHY = _Table(_TYPOGRAPHY_CHARS)
_TYPOGRAPHY_CODEC = codecs.charmap_build("".join(_TYPOGRAPHY_CHARS).ljust(256, "\ufffe"))


def _encode(text: str) -> tuple[bytes, _Table] | tuple[None, None]:
    """The text in one byte per character and the table folding those bytes, if one can."""
    try:
        return text.encode("latin-1"), _LATIN_1
    except UnicodeEncodeError:
        pass
    try:
        return codecs.charmap_encode(text, "strict", _TYPOGRAPHY_CODEC)[0], _TYPOGRAPHY
    except UnicodeEncodeError:  # "ł", Cyrillic, a decomposed accent
        return None, None


def _fold(text: str) -> str:
    """Lowercase ASCII letters and digits, `|` for sentence marks, `#` for field joins, else spaces."""
    encoded, table = _encode(text)
    return _fold_any(text) if table is None else table.folded(encoded)


def normalize(text: str) -> str:
    """Folded text: lowercase ASCII words, sentence marks as ` | `, other punctuation as spaces."""
    folded = _fold(text)
    return folded.replace(SENTENCE, _SPACED_SENTENCE) if SENTENCE in folded else folded


def tokens(text: str) -> list[str]:
    """Normalised tokens of `text`, with `|` where a sentence or programme item ends."""
    return normalize(text).split()


def field_tokens(texts: list[str]) -> list[str]:
    """Tokens of several texts at once, separated by a `#` token: one normalisation call, not three."""
    joined = _FIELD_JOIN.join(texts)
    if joined.count(_JOIN_CHAR) >= len(texts):  # a text holding the join's own character
        joined = _FIELD_JOIN.join(text.replace(_JOIN_CHAR, " ") for text in texts)
    return normalize(joined).split()


def token_spans(text: str, count: int | None = None) -> list[tuple[int, int]]:
    """(start, end) offsets in `text` of the tokens `field_tokens` reads in it (the first `count`
    only, if given), to quote evidence; `tokens(text)` reads the same unless `text` holds the
    field-join character.

    Read from the text's shape (`_shape_of`), one byte per character: through the folding table
    for French catalogues, character by character for other texts. Exact, but for a character
    that folds to several words by itself ("⑴" -> " 1 "), read as one word.
    """
    encoded, table = _encode(text)
    shape = bytes(map(_shape_of, text)) if table is None else encoded.translate(table.shape)
    return _shape_spans(shape, len(text) if count is None else count)


def _shape_spans(shape: bytes, count: int) -> list[tuple[int, int]]:
    """Spans of the first `count` tokens of a shape (see `_shape_of`): each run of `a` and `~` holding
    an `a`, and each `|`. A loop over characters, compiled by Cython (normalize.pxd)."""
    spans = []
    start, letters = -1, False
    for position in range(len(shape) + 1):
        char = shape[position] if position < len(shape) else _SPACE
        if char == _SPACE or char == _MARK:
            if letters:
                spans.append((start, position))
            if char == _MARK:
                spans.append((position, position + 1))
            if len(spans) >= count:
                return spans[:count]
            start, letters = -1, False
        else:
            if start < 0:
                start = position
            if char != _DROPPED:
                letters = True
    return spans


def stem(token: str) -> str:
    """Plural folding only ("pisteurs" -> "pisteur", "cookies" -> "cookie").

    Deliberately no real stemming: "piste" (jeu de piste) must not meet "pistage", and "tracé" of
    the shelves must not meet "traçage"; such families are listed as variants in keywords.yml.
    """
    if len(token) > 3 and token[-1] in "sx":
        return token[:-1]
    return token

"""Text normalisation shared by the keywords file and the matcher, built for speed.

Case, accents, ligatures, apostrophes and hyphens are folded so that "Vie Privée", "VIE PRIVEE"
and "vie-privee" give the same tokens. Sentence punctuation becomes a `|` token, because the
dedication/passing cues must not reach across sentences.
"""
import re
import string
import unicodedata

SENTENCE = "|"
FIELD = "#"  # between the fields of a session normalised in one pass
_FIELD_JOIN = " \x1e "

_SENTENCE_CHARS = ".;!?\n…"  # ends of sentences and programme items ("Jour 1 : ... ; 2) ...")
# Characters NFKD cannot fold to ASCII. Without this step the ASCII encoding would drop them and
# glue words together ("l’anonymat" -> "lanonymat") or cut them ("cœur" -> "cur"). "I&L" (loi
# Informatique et Libertés) must stay one token, and "Data & société" reads "data et société".
_BEFORE_NFKD = [
    ("œ", "oe"), ("Œ", "OE"), ("æ", "ae"), ("Æ", "AE"), ("ß", "ss"), ("…", "."),
    ("’", " "), ("‘", " "), ("«", " "), ("»", " "), ("–", " "), ("—", " "), ("\xa0", " "),
    ("\u202f", " "), ("•", " "), ("·", " "), ("‐", " "), ("‑", " "), ("“", " "), ("”", " "),
]
_UNSPACED = "".join(char for char, _ in _BEFORE_NFKD[6:])
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
    table[ord(_FIELD_JOIN[1])] = ord(FIELD)
    return bytes(table)


_ASCII = _ascii_table()
_SEPARATORS = string.punctuation.replace("&", "") + _UNSPACED
_TOKEN_RE = re.compile(
    "[" + re.escape(_SENTENCE_CHARS) + "]|[^" + re.escape(_SEPARATORS + _SENTENCE_CHARS) + r"\s]+"
)


def normalize(text: str) -> str:
    """Folded text: lowercase ASCII words, sentence marks as ` | `, other punctuation as spaces.

    str.translate with a Unicode table costs a dictionary lookup per character; NFKD then a
    byte table run in C, twice as fast, which matters at 100,000 sessions. Letters without an
    ASCII form (Cyrillic, "ø") are dropped: French catalogues do not depend on them.
    """
    if not text.isascii():
        # One regex scan instead of a test per character: most texts contain none of them.
        text = _REPLACE_RE.sub(lambda match: _REPLACEMENTS[match.group()], text)
        text = unicodedata.normalize("NFKD", text)
    elif "&" in text:
        text = text.replace("&", "et")
    folded = text.encode("ascii", "ignore").translate(_ASCII).decode("ascii")
    return folded.replace(SENTENCE, f" {SENTENCE} ") if SENTENCE in folded else folded


def tokens(text: str) -> list[str]:
    """Normalised tokens of `text`, with `|` where a sentence or programme item ends."""
    return normalize(text).split()


def field_tokens(texts: list[str]) -> list[str]:
    """Tokens of several texts at once, separated by a `#` token: one normalisation call, not three."""
    return normalize(_FIELD_JOIN.join(texts)).split()


def token_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets in `text` of each token that `tokens(text)` returns, to quote evidence."""
    return [m.span() for m in _TOKEN_RE.finditer(text)]


def stem(token: str) -> str:
    """Plural folding only ("pisteurs" -> "pisteur", "cookies" -> "cookie").

    Deliberately no real stemming: "piste" (jeu de piste) must not meet "pistage", and "tracé" of
    the shelves must not meet "traçage"; such families are listed as variants in keywords.yml.
    """
    if len(token) > 3 and token[-1] in "sx":
        return token[:-1]
    return token

"""Load and validate keywords.yml into plain objects the matcher can use.

Validation walks the YAML node tree rather than the loaded dict, so that every error names the
file and the line a volunteer has to fix ("keywords.yml, line 42: ...").
"""
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from matchers.normalize import SENTENCE, stem, tokens

DEFAULT_FAMILY = "privacy"


class KeywordsError(ValueError):
    """The keywords file is unreadable or invalid; the message names the file and the line."""


@dataclass(frozen=True)
class Phrase:
    """A word or expression as written in the file, and the normalised words it must match."""

    text: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Term:
    """One searchable term of a concept, with its own weight and context rules."""

    concept: str
    family: str
    phrase: Phrase
    weight: float
    near: tuple[Phrase, ...]
    unless: tuple[Phrase, ...]
    window: int
    gap: int


@dataclass(frozen=True)
class Cue:
    """Words that multiply a match's points when they stand in the same sentence."""

    factor: float
    before: int  # how many words before the match are searched; 0 means the whole sentence
    phrases: tuple[Phrase, ...]


@dataclass(frozen=True)
class Fuzzy:
    """Typo tolerance: words shorter than min_length are only compared exactly (or with two letters swapped)."""

    min_length: int = 5
    long_length: int = 8
    max_edits: int = 1


@dataclass
class Keywords:
    """The whole validated vocabulary."""

    threshold: float
    field_weights: dict[str, float]
    cue_fields: frozenset[str]
    terms: list[Term]
    dedicated: Cue | None = None
    passing: Cue | None = None
    generic_title: Cue | None = None
    stopwords: frozenset[str] = frozenset()
    fuzzy: Fuzzy = field(default_factory=Fuzzy)
    never_corrected: frozenset[str] = frozenset()
    version: str = ""

    def context_phrases(self, cues: tuple[str, ...] = ("dedicated", "passing")) -> list[Phrase]:
        """The phrases read around terms: every qualifier and negative context, and the ``cues``."""
        phrases = [p for t in self.terms for p in t.near + t.unless]
        return phrases + [p for name in cues if (cue := getattr(self, name)) for p in cue.phrases]


def load_keywords(path: str | Path) -> Keywords:
    """Read, validate and compile a keywords file; raise KeywordsError naming the file and line."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise KeywordsError(f"{path.name}: fichier illisible ({error.strerror})") from error
    return parse_keywords(raw.decode("utf-8", errors="replace"), path.name, version=_version(raw))


def parse_keywords(text: str, name: str = "keywords.yml", version: str | None = None) -> Keywords:
    """Validate and compile keywords given as text (an edit not yet written, say); errors name
    ``name`` and the line. The version defaults to the hash of the text in UTF-8."""
    return _Parser(name, text).parse(version=version or _version(text.encode("utf-8")))


def _version(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:12]


class _Parser:
    def __init__(self, name: str, text: str):
        self.name = name
        self.loader = yaml.SafeLoader(text)
        self.stopwords: frozenset[str] = frozenset()

    def fail(self, node, message: str):
        raise KeywordsError(f"{self.name}, line {node.start_mark.line + 1}: {message}")

    def parse(self, version: str) -> Keywords:
        try:
            root = self.loader.get_single_node()
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = f", line {mark.line + 1}" if mark else ""
            raise KeywordsError(f"{self.name}{line}: YAML invalide ({error.problem})") from error
        finally:
            self.loader.dispose()
        if root is None:
            raise KeywordsError(f"{self.name}: fichier vide")
        top = self.mapping(
            root, "le fichier",
            required=("threshold", "fields", "concepts"),
            optional=("matching", "stopwords", "never_corrected", "cues"),
        )
        self.stopwords = self.words(top.get("stopwords"), "stopwords")
        weights, cue_fields = self.fields(top["fields"])
        matching = self.section(top, "matching", ("max_gap", "window", "fuzzy"))
        cues = self.section(top, "cues", ("dedicated", "passing", "generic_title"))
        terms = self.concepts(
            top["concepts"],
            gap=self.integer(matching.get("max_gap"), "max_gap", 10, default=2),
            window=self.integer(matching.get("window"), "window", 50, default=5),
        )
        return Keywords(
            threshold=self.number(top["threshold"], "threshold", 0, 100),
            field_weights=weights,
            cue_fields=cue_fields,
            terms=terms,
            dedicated=self.cue(cues.get("dedicated"), "dedicated"),
            passing=self.cue(cues.get("passing"), "passing"),
            generic_title=self.cue(cues.get("generic_title"), "generic_title"),
            stopwords=self.stopwords,
            fuzzy=self.fuzzy(matching["fuzzy"]) if "fuzzy" in matching else Fuzzy(),
            never_corrected=frozenset(stem(w) for w in self.words(top.get("never_corrected"), "never_corrected")),
            version=version,
        )

    # --- sections -------------------------------------------------------------------------

    def fields(self, node) -> tuple[dict[str, float], frozenset[str]]:
        weights, cue_fields = {}, set()
        for name, value in self.mapping(node, "fields").items():
            spec = self.mapping(value, f"le champ « {name} »", required=("weight",), optional=("cues",))
            weights[name] = self.number(spec["weight"], f"weight du champ « {name} »", 0, 10)
            if "cues" in spec and self.boolean(spec["cues"], "cues"):
                cue_fields.add(name)
        if not weights:
            self.fail(node, "« fields » doit nommer au moins un champ (title, description…)")
        return weights, frozenset(cue_fields)

    def fuzzy(self, node) -> Fuzzy:
        spec = self.mapping(node, "fuzzy", optional=("min_length", "long_length", "max_edits"))
        return Fuzzy(**{key: self.integer(value, key, 50) for key, value in spec.items()})

    def cue(self, node, name: str) -> Cue | None:
        if node is None:
            return None
        spec = self.mapping(node, f"le repère « {name} »", required=("factor", "words"), optional=("before",))
        return Cue(
            factor=self.number(spec["factor"], "factor", 0, 10),
            before=self.integer(spec.get("before"), "before", 50, default=0),
            phrases=self.phrases(spec["words"], "words"),
        )

    def concepts(self, node, *, gap: int, window: int) -> list[Term]:
        terms = []
        for concept_id, value in self.mapping(node, "concepts").items():
            spec = self.mapping(
                value, f"le concept « {concept_id} »",
                required=("label", "weight", "terms"), optional=("family", "unless"),
            )
            self.text(spec["label"], "label")  # required and checked: the file is read by volunteers
            family = self.text(spec["family"], "family") if "family" in spec else DEFAULT_FAMILY
            weight = self.number(spec["weight"], "weight", 0, 100)
            unless = self.phrases(spec["unless"], "unless") if "unless" in spec else ()
            entries = self.sequence(spec["terms"], "terms")
            if not entries:
                self.fail(spec["terms"], f"le concept « {concept_id} » n'a aucun terme")
            for entry in entries:
                terms.append(self.term(entry, concept_id, family, weight, unless, gap, window))
        return terms

    def term(self, node, concept: str, family: str, weight: float, unless, gap: int, window: int) -> Term:
        if isinstance(node, yaml.ScalarNode):
            return Term(concept, family, self.phrase(node), weight, (), unless, window, gap)
        spec = self.mapping(
            node, "un terme", required=("term",), optional=("weight", "near", "unless", "window", "gap")
        )
        return Term(
            concept=concept,
            family=family,
            phrase=self.phrase(spec["term"]),
            weight=self.number(spec["weight"], "weight", 0, 100) if "weight" in spec else weight,
            near=self.phrases(spec["near"], "near") if "near" in spec else (),
            unless=unless + (self.phrases(spec["unless"], "unless") if "unless" in spec else ()),
            window=self.integer(spec.get("window"), "window", 50, default=window),
            gap=self.integer(spec.get("gap"), "gap", 10, default=gap),
        )

    # --- node helpers -------------------------------------------------------------------

    def mapping(self, node, what: str, required=(), optional=None) -> dict:
        """Keys -> value nodes; unknown, missing and repeated keys are errors when keys are declared."""
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"{what} doit être une liste de « clé: valeur »")
        allowed = None if optional is None and not required else set(required) | set(optional or ())
        result = {}
        for key_node, value_node in node.value:
            key = self.text(key_node, "une clé")
            if key in result:
                self.fail(key_node, f"la clé « {key} » apparaît deux fois dans {what}")
            if allowed is not None and key not in allowed:
                possible = ", ".join(sorted(allowed))
                self.fail(key_node, f"clé inconnue « {key} » dans {what} (clés possibles : {possible})")
            result[key] = value_node
        for key in required:
            if key not in result:
                self.fail(node, f"il manque la clé « {key} » dans {what}")
        return result

    def sequence(self, node, what: str) -> list:
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, f"« {what} » doit être une liste (lignes commençant par « - »)")
        return node.value

    def scalar(self, node, what: str):
        if not isinstance(node, yaml.ScalarNode):
            self.fail(node, f"« {what} » doit être une valeur simple, pas une liste")
        return self.loader.construct_object(node)

    def text(self, node, what: str) -> str:
        """The written text, as is: YAML would turn a bare « on » into True and « 2019 » into a number."""
        if not isinstance(node, yaml.ScalarNode):
            self.fail(node, f"« {what} » doit être une valeur simple, pas une liste")
        value = node.value
        if not value.strip():
            self.fail(node, f"« {what} » doit être un texte non vide")
        return value.strip()

    def number(self, node, what: str, low: float, high: float) -> float:
        value = self.scalar(node, what)
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            self.fail(node, f"« {what} » doit être un nombre entre {low} et {high} (lu : {node.value!r})")
        return float(value)

    def integer(self, node, what: str, high: int, default: int = 0) -> int:
        return default if node is None else int(self.number(node, what, 0, high))

    def section(self, top: dict, key: str, optional: tuple[str, ...]) -> dict:
        return self.mapping(top[key], key, optional=optional) if key in top else {}

    def words(self, node, what: str) -> frozenset[str]:
        """Normalised words of a list such as stopwords; none when the list is absent."""
        if node is None:
            return frozenset()
        return frozenset(word for text in self.texts(node, what) for word in tokens(text))

    def boolean(self, node, what: str) -> bool:
        value = self.scalar(node, what)
        if not isinstance(value, bool):
            self.fail(node, f"« {what} » doit valoir true ou false")
        return value

    def texts(self, node, what: str) -> list[str]:
        return [self.text(item, what) for item in self.sequence(node, what)]

    def phrases(self, node, what: str) -> tuple[Phrase, ...]:
        return tuple(self.phrase(item) for item in self.sequence(node, what))

    def phrase(self, node) -> Phrase:
        """Normalised words of an expression; stopwords are dropped unless nothing else is left ("nos")."""
        written = self.text(node, "terme")
        words = [w for w in tokens(written) if w != SENTENCE]
        content = [w for w in words if w not in self.stopwords] or words
        if not content:
            self.fail(node, f"« {written} » ne contient aucun mot")
        return Phrase(written, tuple(stem(w) for w in content))

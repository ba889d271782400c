"""Learn from the volunteers' triage: propose keywords.yml changes, each with its measured effect.

A session triaged « pas pertinent » that the matcher flags is a false positive; one triaged
« à contacter », « contacté » or « inscrit » that it misses is a false negative (volunteers find
those by full-text search). Three kinds of change are proposed: a negative context (`unless`) for
the term behind false positives, a new term for words the missed sessions share, a new weight.
Each one is written into a copy of keywords.yml's text and measured with a matcher built from
it, on the triaged sessions and on a labelled corpus when given. The real file only changes
through `apply`, when the user asks for it.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

from crawler.store import NOT_RELEVANT, TRIAGE_STATES, Store
from matchers import load_matcher
from matchers.evaluate import evaluate
from matchers.keywords import parse_keywords
from matchers.matcher import RELEVANT_FAMILY, Matcher
from matchers.normalize import SENTENCE, stem, token_spans, tokens

UNLESS, TERM, WEIGHT = "unless", "term", "weight"
MAX_UNLESS_WORDS = 3  # a longer negative context is a sign the term itself is wrong
MAX_NEW_TERMS = 3  # variant suggestions kept, the best measured ones
_CANDIDATE_TERMS = 8  # variant candidates measured before keeping the best
_VARIANT_SIMILARITY = 75  # rapidfuzz ratio above which a new word is taken for a variant of a term
_TEXT_FIELDS = ("title", "description")  # where volunteers' words are looked for (not the organiser)


@dataclass(frozen=True)
class Figures:
    """Precision and recall of a matcher on labelled sessions, with the counts behind them."""

    precision: float
    recall: float
    tp: int
    fp: int
    fn: int
    f1: float

    @classmethod
    def of(cls, matcher: Matcher, records: list[dict]) -> Figures:
        report = evaluate(matcher, records)
        return cls(*(report[key] for key in ("precision", "recall", "tp", "fp", "fn", "f1")))


@dataclass(frozen=True)
class Effect:
    """Figures with the current keywords.yml and with the suggestion applied."""

    before: Figures
    after: Figures


@dataclass
class Suggestion:
    """One proposed change to keywords.yml, why it is proposed, and what it does."""

    kind: str  # UNLESS, TERM or WEIGHT
    concept: str
    term: str  # the term as written in keywords.yml; for TERM, the new term
    words: tuple[str, ...] = ()  # UNLESS: the negative context words added
    weight: float | None = None  # WEIGHT: the new weight
    reason: str = ""  # French, for the user
    sessions: tuple[str, ...] = ()  # titles of the triaged sessions it comes from
    snippet: str = ""  # the YAML entry as it reads once changed
    triage: Effect | None = None
    dev: Effect | None = None


class KeywordsEditError(ValueError):
    """keywords.yml is not laid out as expected for a line edit (the concept or term is missing)."""


# --- reading the triage ---------------------------------------------------------------------

def triaged_sessions(db_path: str | Path) -> list[dict]:
    """Triaged sessions as labelled records: label 1 for the relevant states, 0 for « pas pertinent »."""
    if not Path(db_path).is_file():
        raise FileNotFoundError(f"base introuvable : {db_path}")
    states = TRIAGE_STATES
    rows = Store(db_path).db.query(
        "select s.id, s.title, s.description, s.organiser, t.state from triage t "
        f"join sessions s on s.id = t.session_id where t.state in ({', '.join('?' * len(states))}) "
        "order by s.id", states)
    return [{**row, "label": int(row["state"] != NOT_RELEVANT)} for row in rows]


# --- proposing ------------------------------------------------------------------------------

def suggest(db_path: str | Path, keywords_path: str | Path, dev_records: list[dict] | None = None) -> list[Suggestion]:
    """Changes learnt from the triage in `db_path`, measured, best first; keywords_path is not modified."""
    text = Path(keywords_path).read_text(encoding="utf-8")
    matcher = load_matcher(keywords_path)
    triaged = triaged_sessions(db_path)
    results = {record["id"]: matcher.score(record) for record in triaged}
    false_positives = [r for r in triaged if not r["label"] and results[r["id"]].relevant]
    missed = [r for r in triaged if r["label"] and not results[r["id"]].relevant]
    if not false_positives and not missed:
        return []
    learner = _Learner(matcher, text, triaged, dev_records)
    candidates = learner.unless_suggestions(false_positives, results)
    candidates += learner.term_suggestions(missed, results)
    candidates += learner.weight_suggestions(missed, results)
    return learner.measured(candidates)


class _Learner:
    """The current vocabulary and the labelled sessions the suggestions are measured on."""

    def __init__(self, matcher: Matcher, text: str, triaged: list[dict], dev: list[dict] | None):
        self.matcher, self.text, self.triaged, self.dev = matcher, text, triaged, dev
        keywords = matcher.keywords
        self.terms = {(t.concept, t.phrase.text): t for t in keywords.terms}
        self.privacy = {t.concept for t in keywords.terms if t.family == RELEVANT_FAMILY}
        self.stopwords = keywords.stopwords
        context = keywords.context_phrases(cues=("dedicated", "passing", "generic_title"))
        self.vocabulary = {w for t in keywords.terms for w in t.phrase.words} | {w for p in context for w in p.words}
        self.before = (Figures.of(matcher, triaged), Figures.of(matcher, dev) if dev else None)

    def measured(self, candidates: list[Suggestion]) -> list[Suggestion]:
        """Candidates that improve the triaged figures, with their effects, best first."""
        kept, seen = [], set()
        for suggestion in candidates:
            key = (suggestion.kind, suggestion.concept, suggestion.term, suggestion.words, suggestion.weight)
            if key in seen:
                continue
            seen.add(key)
            changed_text, suggestion.snippet = edit_keywords(self.text, suggestion)
            changed = Matcher(parse_keywords(changed_text))
            suggestion.triage = Effect(self.before[0], Figures.of(changed, self.triaged))
            if self.dev:
                suggestion.dev = Effect(self.before[1], Figures.of(changed, self.dev))
            if suggestion.triage.after.f1 > suggestion.triage.before.f1:
                kept.append(suggestion)
        kept.sort(key=_rank)
        new_terms = [s for s in kept if s.kind == TERM]
        return [s for s in kept if s.kind != TERM or s in new_terms[:MAX_NEW_TERMS]]

    # --- negative contexts for false positives

    def unless_suggestions(self, false_positives: list[dict], results: dict) -> list[Suggestion]:
        """For each term behind false positives: the fewest neighbouring words that cover them all
        and never stand near that term in a true positive (triaged or labelled)."""
        by_term: dict[tuple[str, str], list[tuple[dict, dict]]] = {}
        for record in false_positives:
            for evidence in results[record["id"]].terms:
                if evidence["concept"] in self.privacy:
                    by_term.setdefault((evidence["concept"], evidence["term"]), []).append((record, evidence))
        # Every true positive's evidence, scored once for all the terms below.
        positive_evidence = [(record, evidence) for record in self.triaged + (self.dev or []) if record["label"]
                             for evidence in self.matcher.score(record).terms]
        suggestions = []
        for (concept, written), found in by_term.items():
            term = self.terms[(concept, written)]
            taken = {w for p in term.unless for w in p.words} | set(term.phrase.words)
            near_positives = {
                word for record, evidence in positive_evidence
                if (evidence["concept"], evidence["term"]) == (concept, written)
                for word, _ in self._neighbours(record, evidence, term.window)
            }
            per_session: dict[str, dict[str, str]] = {}  # session id -> {stem: written form}
            for record, evidence in found:
                for word, written_form in self._neighbours(record, evidence, term.window):
                    if word not in near_positives and word not in taken:
                        per_session.setdefault(record["id"], {}).setdefault(word, written_form)
            chosen = _cover(per_session)
            if chosen:
                titles = tuple(dict.fromkeys(r["title"] for r, _ in found))
                words = tuple(dict.fromkeys(_written(per_session, w) for w in chosen))
                suggestions.append(Suggestion(
                    UNLESS, concept, written, words=words, sessions=titles,
                    reason=f"{len(titles)} session(s) marquée(s) « {NOT_RELEVANT} » signalée(s) par "
                           f"« {written} », "
                           f"près de {', '.join(f'« {w} »' for w in words)}, mots jamais vus près de ce terme "
                           "dans les sessions pertinentes"))
        return suggestions

    def _neighbours(self, record: dict, evidence: dict, window: int) -> list[tuple[str, str]]:
        """(stem, written form) of the content words within `window` words of the evidence's match."""
        text = record.get(evidence["field"]) or ""
        words, spans = tokens(text), token_spans(text)
        quoted = [w for w in tokens(evidence["text"]) if w != SENTENCE]
        starts = [i for i in range(len(words)) if words[i:i + len(quoted)] == quoted]
        found = []
        for start in starts:
            end = start + len(quoted)
            for i in [*range(max(0, start - window), start), *range(end, min(len(words), end + window))]:
                word = words[i]
                if word.isalpha() and len(word) > 2 and word not in self.stopwords:
                    written = text[slice(*spans[i])] if len(spans) == len(words) else word
                    found.append((stem(word), written.lower()))
        return found

    # --- new terms for missed sessions

    def term_suggestions(self, missed: list[dict], results: dict) -> list[Suggestion]:
        """Words and bigrams shared by the most missed sessions, in no known negative and absent
        from the vocabulary, each added to the concept it fits best."""
        negatives = [r for r in self.triaged + (self.dev or []) if not r["label"]]
        in_negatives = set().union(*(self._ngrams(r) for r in negatives)) if negatives else set()
        counts, sessions = Counter(), {}
        for record in missed:
            for ngram, written in self._ngrams(record).items():
                if ngram not in in_negatives:
                    counts[ngram] += 1
                    sessions.setdefault(ngram, (written, []))[1].append(record["title"])
        # A word of a single session is that session's subject, not a habit of the catalogues.
        support = 2 if len(missed) > 1 else 1
        shared = [ngram for ngram in counts if counts[ngram] >= support]
        ranked = sorted(shared, key=lambda ngram: (-counts[ngram], -len(ngram), ngram))[:_CANDIDATE_TERMS]
        suggestions = []
        for ngram in ranked:
            written, titles = sessions[ngram]
            concept = self._concept_for(written, [results[r["id"]] for r in missed if r["title"] in titles])
            suggestions.append(Suggestion(
                TERM, concept, written, sessions=tuple(titles),
                reason=f"« {written} » revient dans {len(titles)} session(s) marquée(s) pertinente(s) mais non "
                       "signalée(s), et dans aucune session non pertinente connue"))
        return suggestions

    def _ngrams(self, record: dict) -> dict[tuple[str, ...], str]:
        """Content words and adjacent pairs of content words of a session -> their written form.

        At least one word must be new to the vocabulary: « protection des données » is known.
        """
        found = {}
        for name in _TEXT_FIELDS:
            text = record.get(name) or ""
            words, spans = tokens(text), token_spans(text)
            aligned = len(spans) == len(words)
            for i, word in enumerate(words):
                if not _content(word, self.stopwords):
                    continue
                for end in (i + 1, i + 2):
                    gram = words[i:end]
                    if len(gram) < end - i or not all(_content(w, self.stopwords) for w in gram):
                        continue
                    stems = tuple(stem(w) for w in gram)
                    if all(s in self.vocabulary for s in stems):
                        continue
                    written = text[spans[i][0]:spans[end - 1][1]] if aligned else " ".join(gram)
                    found.setdefault(stems, written if written.isupper() and len(written) <= 6 else written.lower())
        return found

    def _concept_for(self, written: str, partial_results: list) -> str:
        """The privacy concept the missed sessions half matched, else the one of a term the word is
        a variant of (« pisteuse », « pisteur »), else the first and broadest one (vie_privee)."""
        concepts = Counter(e["concept"] for result in partial_results for e in result.terms
                           if e["concept"] in self.privacy)
        if concepts:
            return concepts.most_common(1)[0][0]
        privacy_terms = [key for key in self.terms if key[0] in self.privacy]
        best = process.extractOne(written, [text for _, text in privacy_terms], scorer=fuzz.ratio,
                                  score_cutoff=_VARIANT_SIMILARITY)
        return privacy_terms[best[2] if best else 0][0]

    # --- weights for missed sessions that half match

    def weight_suggestions(self, missed: list[dict], results: dict) -> list[Suggestion]:
        """The strongest term of a missed session that scores below the threshold, weighted up
        just enough for that session to reach it."""
        threshold = self.matcher.threshold
        suggestions = []
        for record in missed:
            result = results[record["id"]]
            evidence = next((e for e in result.terms if e["concept"] in self.privacy), None)
            if evidence is None or not result.score:
                continue
            term = self.terms[(evidence["concept"], evidence["term"])]
            weight = min(100.0, math.ceil(term.weight * threshold / result.score / 5) * 5)
            if weight > term.weight:
                suggestions.append(Suggestion(
                    WEIGHT, term.concept, term.phrase.text, weight=weight, sessions=(record["title"],),
                    reason=f"« {record['title']} », marquée pertinente, n'atteint que {result.score:.0f} points "
                           f"(seuil {threshold:.0f}) avec « {term.phrase.text} » ({term.weight:.0f} points)"))
        return suggestions


def _written(per_session: dict[str, dict[str, str]], word: str) -> str:
    """The written form first seen for a stem among the sessions."""
    return next(forms[word] for forms in per_session.values() if word in forms)


def _cover(per_session: dict[str, dict[str, str]]) -> list[str]:
    """Greedy set cover: the words present in most uncovered sessions, until all are covered
    (at most MAX_UNLESS_WORDS; none if they do not suffice)."""
    uncovered, chosen = set(per_session), []
    while uncovered and len(chosen) < MAX_UNLESS_WORDS:
        counts = Counter(word for sid in uncovered for word in per_session[sid])
        if not counts:
            return []
        word = min(counts, key=lambda w: (-counts[w], w))
        chosen.append(word)
        uncovered = {sid for sid in uncovered if word not in per_session[sid]}
    return chosen if not uncovered else []


def _content(word: str, stopwords) -> bool:
    return word.isalpha() and len(word) > 3 and word not in stopwords


def _rank(suggestion: Suggestion) -> tuple:
    """Best first: triage F1 gain, then the corpus F1 after the change."""
    dev_f1 = suggestion.dev.after.f1 if suggestion.dev else 0.0
    return (-(suggestion.triage.after.f1 - suggestion.triage.before.f1), -dev_f1, suggestion.kind, suggestion.term)


# --- editing keywords.yml as text, comments kept ----------------------------------------------

_ENTRY = re.compile(r"^      - ")
_FLOW_TERM = re.compile(r"^      - \{\s*term:\s*([^,}]+)")
_BLOCK_TERM = re.compile(r"^      - term:\s*(.+?)\s*(#.*)?$")
_SCALAR_TERM = re.compile(r"^      - (.+?)\s*(#.*)?$")


def edit_keywords(text: str, suggestion: Suggestion) -> tuple[str, str]:
    """(whole changed text, snippet of the changed entry). Line edits keep comments and layout;
    the layout is the one keywords.yml documents (concepts at 2 spaces, terms at 6)."""
    lines = text.splitlines()
    entries = _entries(lines, *_concept_lines(lines, suggestion.concept))
    if not entries:
        raise KeywordsEditError(f"le concept « {suggestion.concept} » n'a pas de liste « terms: »")
    if suggestion.kind == TERM:
        new = [f"      - {_yaml_text(suggestion.term)}"]
        at = entries[-1][1]
        lines[at:at] = new
        return "\n".join(lines) + "\n", "\n".join(new)
    start, end = next(((s, e) for s, e in entries if _term_of(lines[s]) == suggestion.term), (None, None))
    if start is None:
        raise KeywordsEditError(f"terme « {suggestion.term} » introuvable dans le concept « {suggestion.concept} »")
    entry = _block_entry(lines[start:end])
    if suggestion.kind == UNLESS:
        entry = _with_unless(entry, suggestion.words)
    else:
        entry = [line for line in entry if not line.startswith("        weight:")]
        entry.insert(1, f"        weight: {suggestion.weight:g}")
    lines[start:end] = entry
    return "\n".join(lines) + "\n", "\n".join(entry)


def _concept_lines(lines: list[str], concept: str) -> tuple[int, int]:
    """[first, last) lines of a concept's block under « concepts: »."""
    top = next((i for i, line in enumerate(lines) if line.startswith("concepts:")), None)
    head = re.compile(rf"^  {re.escape(concept)}:\s*(#.*)?$")
    first = next((i for i in range(top + 1, len(lines)) if head.match(lines[i])), None) if top is not None else None
    if first is None:
        raise KeywordsEditError(f"concept « {concept} » introuvable sous « concepts: »")
    last = next((i for i in range(first + 1, len(lines)) if re.match(r"^(  )?[^\s#]", lines[i])), len(lines))
    return first, last


def _entries(lines: list[str], first: int, last: int) -> list[tuple[int, int]]:
    """[start, end) of each term entry of the block: its dash line and its deeper lines, no trailing comments."""
    begin = next((i for i in range(first, last) if lines[i].startswith("    terms:")), None)
    if begin is None:
        return []
    entries = []
    for i in range(begin + 1, last):
        line = lines[i]
        if re.match(r"^    [^\s#]", line):
            break  # the concept's next key
        if _ENTRY.match(line):
            entries.append([i, i + 1])
        elif entries and line.startswith("        ") and not line.strip().startswith("#"):
            entries[-1][1] = i + 1
    return [tuple(entry) for entry in entries]


def _term_of(line: str) -> str:
    match = _FLOW_TERM.match(line) or _BLOCK_TERM.match(line) or _SCALAR_TERM.match(line)
    return match.group(1).strip().strip("\"'")


def _block_entry(entry: list[str]) -> list[str]:
    """The entry written as « - term: … » with one key per line (plain and {…} entries are turned so)."""
    line = entry[0]
    if _BLOCK_TERM.match(line):
        return list(entry)
    if not _FLOW_TERM.match(line):
        return [f"      - term: {line[len('      - '):]}"]
    body = line[len("      - "):].strip()
    pairs = re.findall(r"(\w+):\s*(\[[^\]]*\]|[^,}]+)", body[1:body.rindex("}")])
    return [f"      - term: {pairs[0][1].strip()}"] + [f"        {key}: {value.strip()}" for key, value in pairs[1:]]


def _with_unless(entry: list[str], words: tuple[str, ...]) -> list[str]:
    """The entry with `words` added to its unless list (created after the term line if absent)."""
    added = ", ".join(_yaml_text(word) for word in words)
    begin = next((i for i, line in enumerate(entry) if line.startswith("        unless:")), None)
    if begin is None:
        return [entry[0], f"        unless: [{added}]", *entry[1:]]
    close = next((i for i in range(begin, len(entry)) if "]" in entry[i]), None)
    if close is None or "[" not in entry[begin]:
        raise KeywordsEditError(f"la liste « unless » de « {entry[0].strip()} » n'est pas écrite entre [ ]")
    head, _, tail = entry[close].rpartition("]")
    entry = list(entry)
    entry[close] = f"{head}, {added}]{tail}"
    return entry


def _yaml_text(text: str) -> str:
    """A word as a YAML flow scalar, quoted when it holds YAML punctuation."""
    return f'"{text}"' if re.search(r"[:#\[\]{},&*!|>'\"%@`]", text) or text[:1] in "-?" else text


# --- showing and applying ---------------------------------------------------------------------

_KIND_TITLES = {UNLESS: "Contexte négatif", TERM: "Nouveau terme", WEIGHT: "Nouveau poids"}


def format_suggestions(suggestions: list[Suggestion]) -> str:
    """French report: each suggestion numbered (for --apply N), why, its figures and its YAML."""
    blocks = []
    for number, suggestion in enumerate(suggestions, 1):
        where = (f"à ajouter à la fin de la liste « terms: » du concept « {suggestion.concept} »"
                 if suggestion.kind == TERM else
                 f"à mettre à la place de l'entrée « {suggestion.term} » du concept « {suggestion.concept} »")
        lines = [
            f"{number}. {_KIND_TITLES[suggestion.kind]} : « {suggestion.term} » (concept {suggestion.concept})",
            f"   Pourquoi : {suggestion.reason}.",
            f"   Sessions triées : {_effect(suggestion.triage)}",
        ]
        if suggestion.dev:
            lines.append(f"   Corpus étiqueté : {_effect(suggestion.dev)}")
        lines.append(f"   YAML, {where} :")
        lines += [f"   {line}" for line in suggestion.snippet.splitlines()]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _effect(effect: Effect) -> str:
    before, after = effect.before, effect.after
    return (f"précision {before.precision:.0%} → {after.precision:.0%}, rappel {before.recall:.0%} → "
            f"{after.recall:.0%} (faux positifs {before.fp} → {after.fp}, manqués {before.fn} → {after.fn})"
            ).replace("%", " %")


def apply(suggestion: Suggestion, keywords_path: str | Path) -> None:
    """Write the suggestion into keywords_path (the file as it is now), once the result is valid."""
    path = Path(keywords_path)
    text, _ = edit_keywords(path.read_text(encoding="utf-8"), suggestion)
    parse_keywords(text, path.name)  # raises KeywordsError naming the line, before the real file is touched
    path.write_text(text, encoding="utf-8")

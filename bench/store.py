"""Store throughput: 100,000 sessions through `Store.save_source`, then the same again unchanged.

The unchanged re-crawl is the weekly case (most sessions are already known); target: under
10 s for 100,000. Beside it, the naive alternative: one sqlite-utils ``upsert`` per row.
Also times `Store.cluster_duplicates`, which every crawl runs once at its end.
``synthetic_sessions`` is shared with bench/serve.py.
Run: ``.venv/bin/python bench/store.py [--sessions N]``.
"""
from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from crawler.sources import Source
from crawler.store import Store

RECRAWL_TARGET_SECONDS = 10.0
TOWNS = ("Lyon", "Clermont-Ferrand", "Rennes", "Besançon", "Lons-le-Saunier", "Saint-Brieuc", "Aurillac",
         "Villefranche-sur-Saône", "Montbrison", "Riom", "Quimper", "Vannes", "Dole", "Annecy", "Chambéry",
         "Bourg-en-Bresse", "Mâcon", "Nevers", "Tulle", "Guéret", "Périgueux", "Agen", "Auch", "Rodez")
PRIVACY_TITLES = ("Protéger sa vie privée en ligne", "Le RGPD à la bibliothèque", "Atelier d'autodéfense numérique",
                  "Données personnelles : accompagner les usagers", "Chiffrement et mots de passe",
                  "Identité numérique et réseaux sociaux", "Cookies, traceurs et pistage publicitaire")
OTHER_TITLES = ("Désherber les collections", "Accueillir tous les publics", "Bébés lecteurs",
                "Cataloguer dans le logiciel du réseau", "Facile à lire", "Jeu et bibliothèque",
                "Animer un club de lecture", "Premiers secours en bibliothèque", "Albums jeunesse : nouveautés")
SENTENCES = ("Une journée pour découvrir les pratiques et échanger entre collègues.",
             "Animée par un formateur du réseau, cette session alterne apports théoriques et mises en situation.",
             "Les participants repartent avec des outils adaptés à leur bibliothèque.",
             "Inscription obligatoire auprès de votre référent de secteur avant la date limite.",
             "Repas libre ; les frais de déplacement sont pris en charge par le Département.",
             "Prévoir un ordinateur portable ou une tablette si possible.")


REGIONS = ("Auvergne-Rhône-Alpes", "Bretagne", "Occitanie", "Grand Est", "Normandie", "Hauts-de-France",
           "Nouvelle-Aquitaine", "Bourgogne-Franche-Comté", "Pays de la Loire", "Centre-Val de Loire")


def bench_sources(count: int) -> list[Source]:
    """``count`` departmental libraries with valid département codes (there is no 20)."""
    codes = [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B", "971", "972", "973", "974", "976"]
    return [Source(id=f"bench-{n:03d}", name=f"Bibliothèque départementale {codes[n % len(codes)]}", kind="bd",
                   departement=codes[n % len(codes)], region=REGIONS[n % len(REGIONS)],
                   url=f"https://bd{n}.example.fr/formations") for n in range(count)]


def synthetic_sessions(source: Source, count: int, seed: int) -> list[dict]:
    """Items as the pipeline hands them to the store: French words, dates over 3 years, ~25% relevant."""
    rng = random.Random(seed)
    items = []
    for n in range(count):
        relevant = rng.random() < 0.25
        day = date(2025, 1, 1) + timedelta(days=rng.randrange(3 * 365))
        hour = rng.choice((9, 10, 13, 14))
        start = f"{day.isoformat()}T{hour:02d}:30:00+01:00"
        title = f"{rng.choice(PRIVACY_TITLES if relevant else OTHER_TITLES)} ({rng.choice(('niveau 1', 'niveau 2', 'atelier', 'journée d’étude'))})"
        town = rng.choice(TOWNS)
        items.append({
            "id": f"{source.id}-{n}", "source_id": source.id, "uid": f"{source.url}/{1000 + n}", "title": title,
            "description": " ".join(rng.sample(SENTENCES, rng.randint(2, 5))),
            "start": start, "end": f"{day.isoformat()}T{hour + 3:02d}:00:00+01:00", "all_day": False,
            "occurrences": [], "place": f"Médiathèque départementale, {town}", "organiser": source.name,
            "url": f"{source.url}/{1000 + n}-formation",
            "status": rng.choices(("scheduled", "cancelled", "postponed"), (96, 3, 1))[0],
            "date_text": f"{day.day} {day.month}/{day.year}, {hour} h 30",
            "registration_deadline": (day - timedelta(days=20)).isoformat() if rng.random() < 0.5 else None,
            "audience": "bibliothécaires salariés et bénévoles", "fetched_at": "2026-11-25T08:00:00+00:00",
            "match": {"score": 80.0 if relevant else 5.0, "relevant": relevant,
                      "terms": ["vie privée"] if relevant else [], "why": "titre : vie privée" if relevant else "",
                      "keywords_version": "k1"},
        })
    return items


HEALTH = {"pages": 21, "items": 0, "upcoming": 0, "errors": [], "strategy": "html:text", "health": "ok"}


def save_all(store: Store, batches: list[tuple[Source, list[dict]]]) -> tuple[float, dict]:
    """One crawl run through save_source per source, as StorePipeline.close_spider does: (seconds, counts)."""
    totals: dict[str, int] = {}
    started = time.perf_counter()
    run_id = store.start_run()
    for source, items in batches:
        for key, value in store.save_source(run_id, source, items, {**HEALTH, "items": len(items)}).items():
            totals[key] = totals.get(key, 0) + value
    return time.perf_counter() - started, totals


def naive_upserts(path: Path, batches: list[tuple[Source, list[dict]]]) -> float:
    """The obvious alternative: one sqlite-utils upsert (and one commit) per session row; returns seconds."""
    store = Store(path)
    store.sync_sources(source for source, _ in batches)  # the sessions' foreign key
    db = store.db
    started = time.perf_counter()
    for source, items in batches:
        for item in items:
            row = {k: v for k, v in item.items() if k != "match"}
            db["sessions"].upsert({**row, "occurrences": json.dumps(row["occurrences"]),
                                   "start_date": row["start"][:10], "month": row["start"][:7],
                                   "departement": source.departement, "region": source.region}, pk="id")
    return time.perf_counter() - started


def rate_ratio(count: int, seconds: float, naive_count: int, naive_seconds: float) -> float:
    """How many times the naive loop's rate save_source's rate is."""
    return (count / seconds) / (naive_count / naive_seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--sources", type=int, default=100)
    parser.add_argument("--naive-sessions", type=int, default=10_000,
                        help="sessions for the naive loop (its rate is steady; all 100,000 take 3 minutes)")
    args = parser.parse_args()
    per_source = args.sessions // args.sources
    batches = [(s, synthetic_sessions(s, per_source, seed=n)) for n, s in enumerate(bench_sources(args.sources))]
    total = per_source * args.sources
    naive_batches = [(s, items[:args.naive_sessions // args.sources]) for s, items in batches]
    naive_total = sum(len(items) for _, items in naive_batches)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "store.db")
        store.sync_sources(source for source, _ in batches)
        first, first_counts = save_all(store, batches)
        again, again_counts = save_all(store, batches)
        started = time.perf_counter()
        clustered = store.cluster_duplicates()
        cluster_time = time.perf_counter() - started
        naive_first = naive_upserts(Path(tmp) / "naive.db", naive_batches)
        naive_again = naive_upserts(Path(tmp) / "naive.db", naive_batches)
    print(f"{total} sessions over {args.sources} sources (naive loop: {naive_total})")
    print(f"{'run':<40} {'sessions':>8} {'seconds':>8} {'sessions/s':>11}  counts")
    for name, count, seconds, counts in (
            ("save_source, first crawl", total, first, first_counts),
            ("save_source, unchanged re-crawl", total, again, again_counts),
            ("naive sqlite-utils upsert, first", naive_total, naive_first, {}),
            ("naive sqlite-utils upsert, unchanged", naive_total, naive_again, {})):
        print(f"{name:<40} {count:>8} {seconds:>8.2f} {count / seconds:>11.0f}  {counts or ''}")
    print(f"cluster_duplicates over {total} sessions: {cluster_time:.2f} s ({clustered} in clusters)")
    print(f"ratio unchanged re-crawl / target: {again:.2f} s / {RECRAWL_TARGET_SECONDS:.0f} s = "
          f"{again / RECRAWL_TARGET_SECONDS:.2f} ({'ok' if again < RECRAWL_TARGET_SECONDS else 'MISSES TARGET'})")
    print(f"ratio save_source / naive upsert (rate): first {rate_ratio(total, first, naive_total, naive_first):.1f}x,"
          f" unchanged {rate_ratio(total, again, naive_total, naive_again):.1f}x")


if __name__ == "__main__":
    main()

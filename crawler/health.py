"""What one crawl of one source did: pages, sessions, errors, strategy; and how healthy that is.

The spider fills a ``SourceRun`` per source; the store keeps it in ``source_runs`` with the
verdict of ``assess``, the one rule of source health: ``veille sources list``, Datasette's
« Santé des sources » and the maintainers' digest all read that verdict (in the spirit of
spidermon's item-count monitors).
"""
from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field

# A field that suddenly goes missing is a symptom; the French names are the report's.
WATCHED_FIELDS = {"description": "description", "place": "lieu", "organiser": "organisateur", "url": "lien"}
RECENT_RUNS = 5  # how far back a source's healthy runs are its norm


@dataclass
class SourceRun:
    source_id: str
    requested: set[str] = field(default_factory=set)  # URLs asked for, each once
    pages: int = 0  # pages fetched and read (an unreadable page does not count)
    items: int = 0
    upcoming: int = 0
    beyond_horizon: int = 0
    strategies: Counter = field(default_factory=Counter)
    missing_fields: Counter = field(default_factory=Counter)
    errors: list[dict] = field(default_factory=list)
    budget_reached: bool = False
    started: float = field(default_factory=time.monotonic)

    def error(self, url: str, kind: str, message: str) -> None:
        self.errors.append({"url": url, "kind": kind, "message": message})

    def claim(self, url: str, budget: int) -> bool:
        """True (and ``url`` counted) when the URL is new to this source and within its page budget.

        Reaching the budget is written as an error row once, so a maintainer sees which source
        to give a larger ``max_pages`` (or which calendar never ends: "mois suivant" forever).
        """
        if url in self.requested:
            return False
        if len(self.requested) >= budget:
            if not self.budget_reached:
                self.budget_reached = True
                self.error(url, "budget", f"page budget of {budget} pages reached: this page and later ones not fetched")
            return False
        self.requested.add(url)
        return True

    def count_item(self, item: dict, today_iso: str) -> None:
        self.items += 1
        if item["start"][:10] >= today_iso:
            self.upcoming += 1
        for name in WATCHED_FIELDS:
            if not item.get(name):
                self.missing_fields[name] += 1

    @property
    def failed(self) -> bool:
        """No page of the source could be read: its sessions must stay as they were."""
        return self.pages == 0

    def summary(self) -> dict:
        """The row written to ``source_runs`` (and the errors for ``crawl_errors``)."""
        if self.failed:
            reason = "failed"
        elif self.budget_reached:
            reason = "page budget reached"
        else:
            reason = "finished"
        return {
            "pages": self.pages,
            "items": self.items,
            "upcoming": self.upcoming,
            "strategy": ",".join(s for s, _ in self.strategies.most_common()) or None,
            "finish_reason": reason,
            "duration": round(time.monotonic() - self.started, 3),
            "missing_fields": dict(self.missing_fields),
            "errors": self.errors,
            "failed": self.failed,
            "beyond_horizon": self.beyond_horizon,
        }


def assess(health: dict, recent: list[dict]) -> tuple[str, str | None]:
    """``(verdict, problem)`` of a run: ``ok``, ``empty``, ``failed`` or ``degraded``, and what is
    wrong in French (None when nothing is).

    ``health`` is ``SourceRun.summary()``; ``recent`` the source's previous runs, newest first
    (``run_id``, ``health``, ``items``, ``missing_fields`` as JSON). Degraded means: against its
    healthy runs among the last ``RECENT_RUNS``, its sessions fell by more than half (to none
    included), or a field that at most one session in ten lacked is missing from half of them.
    Comparing with healthy runs only keeps a broken source degraded until it recovers; a change
    that lasts ``RECENT_RUNS`` crawls becomes its new norm.
    """
    if health.get("failed"):
        errors = health.get("errors") or []
        return "failed", "aucune page lisible" + (f" : {errors[-1]['message']}" if errors else "")
    items = health.get("items") or 0
    healthy = [run for run in recent[:RECENT_RUNS] if run["health"] == "ok"]
    if healthy:
        usual = max(healthy, key=lambda run: run["items"])
        if items * 2 < usual["items"]:
            found = f"{items} session{'s' if items > 1 else ''}" if items else "aucune session"
            return "degraded", f"{found} au lieu de {usual['items']} (collecte n° {usual['run_id']})"
        last = healthy[0]
        before = json.loads(last["missing_fields"] or "{}")
        lost = [f"{WATCHED_FIELDS.get(name, name)} ({missing} sur {items} sessions)"
                for name, missing in (health.get("missing_fields") or {}).items()
                if items and missing * 2 >= items and before.get(name, 0) * 10 <= last["items"]]
        if lost:
            return "degraded", "champs soudain absents : " + ", ".join(lost)
    return ("ok" if items else "empty"), None

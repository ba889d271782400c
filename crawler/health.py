"""What one crawl of one source did: pages, sessions, errors, strategy; and how healthy that is.

The spider fills a ``SourceRun`` per source; the store keeps it in ``source_runs`` so each run
can be compared with the previous ones (in the spirit of spidermon's item-count monitors).
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

WATCHED_FIELDS = ("description", "place", "organiser", "url")  # a field that suddenly goes missing is a symptom


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

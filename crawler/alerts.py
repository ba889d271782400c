"""Telling people: who subscribes (alerts.yml), what each has not been told yet, and sending it.

Every notice is keyed in ``alerts`` by (subscriber, session_id, change_key), written only
once apprise reports the message delivered, so a failed send is retried by the next run and
nothing is told twice. Change keys:

- ``new``: the session was announced (also written for the other copies of its cluster);
- ``change:<session_changes.id>``: a date, place or status change was announced;
- ``reminder-start:<date>``, ``reminder-registration:<date>``: a reminder was sent;
- ``health:…`` (session_id NULL): a source-health problem was reported to maintainers.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date
from itertools import takewhile
from pathlib import Path
from urllib.parse import quote, urlencode

import apprise
import sqlite_utils
import yaml

from crawler.digest import (Entry, Feeds, HealthProblem, Link, describe_change,
                            describe_registration_closing, describe_start_soon, render)
from crawler.store import NOT_RELEVANT, open_db, utcnow
from crawler.territory import in_territory

DEFAULT_PATH = "alerts.yml"
PATH_VARIABLE = "VEILLE_ALERTS"
DEFAULT_DATASETTE_URL = "http://127.0.0.1:8001"
DEFAULT_FAILED_SHARE = 0.5  # a crawl where at least this share of sources failed is reported to maintainers
START_SOON_DAYS = 14
REGISTRATION_SOON_DAYS = 7
ANNOUNCED_FIELDS = ("start", "end", "status", "place")  # session_changes worth a notice
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


# --- configuration ------------------------------------------------------------------
class AlertsConfigError(ValueError):
    """alerts.yml is malformed or needs a missing secret; the message names file, subscriber and field."""


@dataclass(frozen=True)
class Subscriber:
    """One person or channel: where to send (apprise URLs) and which sessions they want."""

    name: str  # the key of their history in ``alerts``: renaming someone re-sends everything
    urls: tuple[str, ...] = field(repr=False)  # secrets already expanded: kept out of logs
    departements: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    min_score: float | None = None
    maintainer: bool = False

    @property
    def territory(self) -> str:
        """Their départements and regions as the canned queries' ``territoire`` ("35,Bretagne")."""
        return ",".join(self.departements + self.regions)

    def covers(self, session: dict) -> bool:
        """Whether the session is in their territory, by the rule of the feeds their digest links
        to (crawler/territory.py); no filter = all."""
        return in_territory(session.get("departement"), session.get("region"), self.territory)

    def wants(self, session: dict) -> bool:
        """A relevant, upcoming, scheduled, still published session of their area and score."""
        return (bool(session["relevant"]) and not session["gone"] and session["status"] == "scheduled"
                and (self.min_score is None or (session["score"] or 0) >= self.min_score) and self.covers(session))


@dataclass(frozen=True)
class AlertsConfig:
    subscribers: tuple[Subscriber, ...]
    datasette_url: str = DEFAULT_DATASETTE_URL
    failed_share: float = DEFAULT_FAILED_SHARE


def config_path(path: str | Path | None = None) -> Path:
    """``--config FILE``, else $VEILLE_ALERTS, else alerts.yml."""
    return Path(path or os.environ.get(PATH_VARIABLE) or DEFAULT_PATH)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _expand(raw: str, fail) -> str:
    """Replace each ${VAR} by the environment variable: secrets never live in the file."""
    def variable(match: re.Match) -> str:
        if match[1] not in os.environ:
            fail("urls", f"environment variable {match[1]} is not set (secrets come from the environment)")
        return os.environ[match[1]]
    return _VARIABLE.sub(variable, raw)


def _subscriber(path: Path, index: int, entry) -> Subscriber:
    name = entry.get("name") if isinstance(entry, dict) else None
    where = f"{path}: subscriber {index + 1}" + (f" ({name!r})" if isinstance(name, str) else "")

    def fail(field_name: str, message: str):
        raise AlertsConfigError(f"{where}, field {field_name!r}: {message}")

    if not isinstance(entry, dict):
        raise AlertsConfigError(f"{where}: expected a mapping with name and urls")
    unknown = sorted(set(entry) - {"name", "urls", "departements", "regions", "min_score", "maintainer"})
    if unknown:
        fail(unknown[0], "unknown field (known: name, urls, departements, regions, min_score, maintainer)")
    if not isinstance(name, str) or not name.strip():
        fail("name", "required, a non-empty text")
    urls = entry.get("urls")
    if not isinstance(urls, list) or not urls or not all(isinstance(u, str) and u.strip() for u in urls):
        fail("urls", "required, a list of apprise URLs (mailto://…, json://…, ntfy://…)")
    expanded = tuple(_expand(u.strip(), fail) for u in urls)
    for raw, url in zip(urls, expanded):
        if apprise.Apprise.instantiate(url) is None:
            fail("urls", f"{raw!r} is not a URL apprise can send to")
    departements = entry.get("departements") or []
    if not isinstance(departements, list) or not all(isinstance(d, (str, int)) for d in departements):
        fail("departements", "a list of département codes, e.g. ['35', '2A']")
    regions = entry.get("regions") or []
    if not isinstance(regions, list) or not all(isinstance(r, str) and r.strip() for r in regions):
        fail("regions", "a list of region names, e.g. ['Bretagne']")
    min_score = entry.get("min_score")
    if min_score is not None and not (_is_number(min_score) and min_score >= 0):
        fail("min_score", f"{min_score!r} is not a number >= 0")
    if not isinstance(entry.get("maintainer", False), bool):
        fail("maintainer", "true or false")
    return Subscriber(
        name=name.strip(), urls=expanded,
        departements=tuple(f"{d:02d}" if isinstance(d, int) else d.strip() for d in departements),
        regions=tuple(r.strip() for r in regions), min_score=min_score, maintainer=entry.get("maintainer", False),
    )


def load_config(path: str | Path | None = None) -> AlertsConfig:
    """Read and check alerts.yml (see alerts.example.yml), expanding ${VAR} secrets from the environment."""
    path = config_path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AlertsConfigError(f"{path}: no such file (start from alerts.example.yml)") from None
    except yaml.YAMLError as error:
        raise AlertsConfigError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("subscribers"), list):
        raise AlertsConfigError(f"{path}: expected a mapping with a 'subscribers' list")
    unknown = sorted(set(data) - {"subscribers", "datasette_url", "failed_share"})
    if unknown:
        raise AlertsConfigError(f"{path}: unknown field {unknown[0]!r} (known: subscribers, datasette_url, failed_share)")
    datasette_url = data.get("datasette_url", DEFAULT_DATASETTE_URL)
    if not isinstance(datasette_url, str) or not datasette_url.startswith(("http://", "https://")):
        raise AlertsConfigError(f"{path}, field 'datasette_url': {datasette_url!r} is not an http(s) URL")
    failed_share = data.get("failed_share", DEFAULT_FAILED_SHARE)
    if not (_is_number(failed_share) and 0 < failed_share <= 1):
        raise AlertsConfigError(f"{path}, field 'failed_share': {failed_share!r} is not a number in (0, 1]")
    subscribers = tuple(_subscriber(path, i, entry) for i, entry in enumerate(data["subscribers"]))
    names = [s.name for s in subscribers]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise AlertsConfigError(f"{path}: subscriber {twice[0]!r}, field 'name': used twice")
    return AlertsConfig(subscribers, datasette_url.rstrip("/"), float(failed_share))


# --- what each subscriber has not been told -------------------------------------------
@dataclass(frozen=True)
class Digest:
    """One message for one subscriber, and the notices it carries (written to ``alerts`` once delivered)."""

    subscriber: Subscriber
    title: str
    text: str
    html: str
    keys: tuple[tuple[str | None, str], ...]  # (session_id, or None for source health; change_key)


# A session not over yet (its last day, else its first, is today or later): the only ones a digest tells.
NOT_OVER = 'coalesce(substr(s."end", 1, 10), s.start_date) >= :today'
UPCOMING = f"""
select s.*, m.score, m.relevant, m.terms, m.why, coalesce(src.name, s.source_id) as source_name, t.state as triage
from sessions s
left join matches m on m.session_id = s.id
left join sources src on src.id = s.source_id
left join triage t on t.session_id = s.id
where {NOT_OVER}
order by s.id
"""
# The changes worth a notice, of the UPCOMING sessions only: the rest of history is never looked up.
UPCOMING_CHANGES = f"""
select c.* from session_changes c join sessions s on s.id = c.session_id
where c.field in ({", ".join(f"'{name}'" for name in ANNOUNCED_FIELDS)}) and {NOT_OVER}
order by c.id
"""


def _database(db) -> sqlite_utils.Database:
    return db if isinstance(db, sqlite_utils.Database) else open_db(db)


def _sent(db: sqlite_utils.Database, subscriber: str) -> set[tuple[str | None, str]]:
    return {(r["session_id"], r["change_key"]) for r in db.query(
        "select session_id, change_key from alerts where subscriber = ?", [subscriber])}


def _link(session: dict, datasette_url: str) -> Link:
    page = session["url"] if (session["url"] or "").startswith(("http://", "https://")) else None
    return Link(session["source_name"], page, f"{datasette_url}/veille/sessions/{quote(session['id'], safe='')}")


def _feeds(subscriber: Subscriber, datasette_url: str) -> Feeds | None:
    """The calendar and Atom feed of the subscriber's départements and regions (the canned queries'
    ``territoire``: codes and region names, comma-separated); None for a subscriber of everything."""
    if not subscriber.territory:
        return None
    query = urlencode({"territoire": subscriber.territory}, safe=",")
    return Feeds(subscriber.territory.replace(",", ", "), f"{datasette_url}/veille/calendrier.ics?{query}",
                 f"{datasette_url}/veille/nouvelles_sessions.atom?{query}")


def _reminders(session: dict, today: date) -> list[tuple[str, str]]:
    """(change_key, French line) for a start within 14 days and a registration closing within 7."""
    found = []
    start = date.fromisoformat(session["start_date"])
    if 0 <= (start - today).days <= START_SOON_DAYS:
        found.append((f"reminder-start:{start}", describe_start_soon(start, today)))
    if session["registration_deadline"]:
        deadline = date.fromisoformat(session["registration_deadline"][:10])
        if 0 <= (deadline - today).days <= REGISTRATION_SOON_DAYS:
            found.append((f"reminder-registration:{deadline}", describe_registration_closing(deadline, today)))
    return found


def _change_lines(changes: list[dict]) -> list[str]:
    """French notices, once each (two copies of a cluster report the same move); an end that moved
    with its start is not told twice."""
    moved = {c["session_id"] for c in changes if c["field"] == "start"}
    return list(dict.fromkeys(
        describe_change(c["field"], c["old_value"], c["new_value"])
        for c in changes if not (c["field"] == "end" and c["session_id"] in moved)))


def _entry(subscriber: Subscriber, copies: list[dict], changes: dict, sent: set, today: date,
           datasette_url: str) -> tuple[Entry, list[tuple[str, str]]] | None:
    """The entry and keys of one cluster (its copies across sources) for one subscriber, or None."""
    if any(s["triage"] == NOT_RELEVANT for s in copies):
        return None
    wanted = [s for s in copies if subscriber.wants(s)]
    published = [s for s in copies if not s["gone"]] or copies
    main = (wanted or published)[0]
    links = [_link(s, datasette_url) for s in published]
    pending = [c for s in copies for c in changes.get(s["id"], []) if (s["id"], f"change:{c['id']}") not in sent]
    change_keys = [(c["session_id"], f"change:{c['id']}") for c in pending]
    reminders = _reminders(main, today) if wanted else []
    if not any((s["id"], "new") in sent for s in copies):
        if not wanted:
            return None
        # Announcing the session tells its current state: earlier changes and due reminders go with it.
        keys = [(s["id"], "new") for s in copies] + change_keys + [(main["id"], k) for k, _ in reminders]
        return Entry(main, links, is_new=True, reminders=[line for _, line in reminders]), keys
    reminders = [(k, line) for k, line in reminders if not any((s["id"], k) in sent for s in copies)]
    if not pending and not reminders:
        return None
    keys = change_keys + [(main["id"], k) for k, _ in reminders]
    return Entry(main, links, changes=_change_lines(pending), reminders=[line for _, line in reminders]), keys


def build_digests(db, config: AlertsConfig, today: date) -> list[Digest]:
    """One French digest per subscriber with something new for them (none for the others)."""
    db = _database(db)
    clusters: dict[str, list[dict]] = {}
    for session in db.query(UPCOMING, {"today": today.isoformat()}):
        clusters.setdefault(session["cluster_id"] or session["id"], []).append(session)
    changes: dict[str, list[dict]] = {}
    for change in db.query(UPCOMING_CHANGES, {"today": today.isoformat()}):
        changes.setdefault(change["session_id"], []).append(change)
    problems = health_problems(db, config.failed_share)
    digests = []
    for subscriber in config.subscribers:
        sent = _sent(db, subscriber.name)
        entries, keys = [], []
        for copies in clusters.values():
            found = _entry(subscriber, copies, changes, sent, today, config.datasette_url)
            if found:
                entries.append(found[0])
                keys += found[1]
        told = [p for p in problems if subscriber.maintainer and (None, p.key) not in sent]
        keys += [(None, p.key) for p in told]
        if entries or told:
            feeds = _feeds(subscriber, config.datasette_url)
            digests.append(Digest(subscriber, *render(entries, told, today, feeds), tuple(dict.fromkeys(keys))))
    return digests


# --- source health, for maintainers --------------------------------------------------
SOURCE_RUNS = """
select sr.*, r.status as run_status, coalesce(src.name, sr.source_id) as name, src.url as source_url
from source_runs sr join crawl_runs r on r.id = sr.run_id left join sources src on src.id = sr.source_id
order by sr.source_id, sr.run_id
"""


def _last_error(db, source_id: str, since_run: int) -> str | None:
    row = next(db.query(
        "select kind, message, url from crawl_errors where source_id = ? and run_id >= ? order by id desc limit 1",
        [source_id, since_run]), None)
    return f"{row['message']} ({row['kind']}, {row['url']})" if row else None


def _unhealthy(db, runs: list[dict]) -> list[HealthProblem]:
    """A source failed or degraded (``health.assess``) in its last two finished crawls or more:
    told once per episode, since one bad crawl is often a passing outage or a quiet month."""
    episode = list(takewhile(lambda r: r["health"] in ("failed", "degraded"), reversed(runs)))
    if len(episode) < 2:
        return []
    first, last = episode[-1], episode[0]
    if any(run["items"] for run in episode):
        problem = f"{last['problem']} ; depuis {len(episode)} collectes"
    else:
        before = next((run for run in reversed(runs[:-len(episode)]) if run["items"]), None)
        problem = f"aucune session lors des {len(episode)} dernières collectes" + (
            f" ({before['items']} session{'s' if before['items'] > 1 else ''} à la collecte n° {before['run_id']})"
            if before else "")
    error = _last_error(db, first["source_id"], first["run_id"])
    return [HealthProblem(
        f"{first['name']} ({first['source_id']})", problem, first["source_url"],
        error or "aucune erreur : la page a sans doute changé d'adresse ou de structure",
        f"health:{first['source_id']}:{first['run_id']}")]


def too_many_failed(failed: int, sources: int, failed_share: float) -> bool:
    """Whether a crawl saw at least ``failed_share`` of its sources fail: the one rule of the
    maintainers' digest and of ``veille weekly``'s exit status."""
    return sources > 0 and failed >= failed_share * sources


def _failed_crawl(db, failed_share: float) -> list[HealthProblem]:
    """The last crawl saw at least ``failed_share`` of its sources fail (network down, block…)."""
    last = next(db.query("select id from crawl_runs where status in ('finished', 'failed') order by id desc limit 1"), None)
    if last is None:
        return []
    runs = list(db.query("select source_id, health from source_runs where run_id = ? order by source_id",
                         [last["id"]]))
    # The store's verdict (health.assess), the one rule of a failed source: no page read.
    failed = [r["source_id"] for r in runs if r["health"] == "failed"]
    if not too_many_failed(len(failed), len(runs), failed_share):
        return []
    return [HealthProblem(f"Collecte n° {last['id']}", f"{len(failed)} sources sur {len(runs)} en échec", None,
                          "en échec : " + ", ".join(failed[:20]) + (" …" if len(failed) > 20 else ""),
                          f"health:run:{last['id']}")]


def health_problems(db, failed_share: float = DEFAULT_FAILED_SHARE) -> list[HealthProblem]:
    """Every current source-health problem (finished crawls only: a crawl that failed whole is one problem)."""
    db = _database(db)
    by_source: dict[str, list[dict]] = {}
    for run in db.query(SOURCE_RUNS):
        if run["run_status"] == "finished":
            by_source.setdefault(run["source_id"], []).append(run)
    problems = [p for runs in by_source.values() for p in _unhealthy(db, runs)]
    return problems + _failed_crawl(db, failed_share)


# --- sending ----------------------------------------------------------------------------
def _deliver(digest: Digest) -> bool:
    """Send through every URL of the subscriber: HTML where the service renders it (email gets
    apprise's multipart with a text part made from the HTML), our plain text elsewhere."""
    notifier = apprise.Apprise()
    formats = set()
    for url in digest.subscriber.urls:
        server = apprise.Apprise.instantiate(url)
        if server is None:
            return False
        kind = "html" if server.resolve_format() == apprise.NotifyFormat.HTML else "text"
        notifier.add(url, tag=kind)  # apprise applies tags only to the services it instantiates
        formats.add(kind)
    bodies = {"html": (digest.html, apprise.NotifyFormat.HTML), "text": (digest.text, apprise.NotifyFormat.TEXT)}
    results = [notifier.notify(title=digest.title, body=bodies[kind][0], body_format=bodies[kind][1], tag=kind)
               for kind in sorted(formats)]
    return all(results)


def _record(db: sqlite_utils.Database, digest: Digest) -> int:
    sent = _sent(db, digest.subscriber.name)
    now = utcnow()
    rows = [{"subscriber": digest.subscriber.name, "session_id": session_id, "change_key": key, "sent_at": now}
            for session_id, key in digest.keys if (session_id, key) not in sent]
    with db.atomic():  # all of a digest's notices or none (`with conn:` opens no transaction here)
        db["alerts"].insert_all(rows, ignore=True)
    return len(rows)


def send_digests(db, digests: list[Digest], dry_run: bool = False) -> dict:
    """Send each digest; record its notices only when apprise reports success.

    Returns ``{"sent": [names], "failed": [names], "recorded": n, "preview": text}``; a dry
    run sends and records nothing and puts every digest's text in ``preview``.
    """
    db = _database(db)
    result = {"sent": [], "failed": [], "recorded": 0, "preview": ""}
    if dry_run:
        result["preview"] = "\n\n".join(f"=== {d.subscriber.name} : {d.title} ===\n{d.text}" for d in digests)
        return result
    for digest in digests:
        if _deliver(digest):
            result["recorded"] += _record(db, digest)
            result["sent"].append(digest.subscriber.name)
        else:
            result["failed"].append(digest.subscriber.name)
    return result

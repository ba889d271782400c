"""The database: schema and migrations, per-source upserts, history of changes, dedup.

One SQLite file (WAL mode, so Datasette reads while a crawl writes). Each source's
results are written in one transaction: a crash mid-crawl leaves every earlier
source whole and the unfinished one untouched.
"""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils
from rapidfuzz import fuzz, process

from crawler.geo import locate
from crawler.health import RECENT_RUNS, assess

SCHEMA_VERSION = 7
TRACKED_FIELDS = ("title", "start", "end", "place", "status")  # each change is written to session_changes (a new URL is not news)
MISSING_RUNS_BEFORE_GONE = 2
# The volunteers' triage (datasette-metadata.json's « trier » query writes these words): the
# first three say the session is a privacy one worth acting on, the last that it is not, which
# hides it from lists and alerts and makes it a false positive for keyword suggestions.
RELEVANT_STATES = ("à contacter", "contacté", "inscrit")
NOT_RELEVANT = "pas pertinent"
TRIAGE_STATES = (*RELEVANT_STATES, NOT_RELEVANT)


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _create_v1(db: sqlite_utils.Database) -> None:
    db["sources"].create(
        {
            "id": str, "name": str, "kind": str, "departement": str, "region": str, "url": str,
            "platform": str, "format": str, "enabled": int, "evidence": str, "notes": str, "unsupported": str,
            "strategy": str, "last_run_id": int, "last_success": str, "last_error": str,
            "last_sessions": int, "confirmed_at": str,
        },
        pk="id",
    )
    db["crawl_runs"].create(
        {
            "id": int, "started_at": str, "finished_at": str, "status": str, "sources_ok": int,
            "sources_failed": int, "sources_empty": int, "sessions_new": int, "sessions_changed": int,
            "sessions_gone": int, "keywords_version": str, "report": str,
        },
        pk="id",
    )
    db["source_runs"].create(
        {
            "run_id": int, "source_id": str, "pages": int, "items": int, "upcoming": int, "errors": int,
            "missing_fields": str, "strategy": str, "finish_reason": str, "duration": float, "health": str,
        },
        pk=("run_id", "source_id"),
        foreign_keys=[("run_id", "crawl_runs", "id"), ("source_id", "sources", "id")],
    )
    db["crawl_errors"].create(
        {"id": int, "run_id": int, "source_id": str, "url": str, "kind": str, "message": str, "at": str},
        pk="id",
        foreign_keys=[("run_id", "crawl_runs", "id"), ("source_id", "sources", "id")],
    )
    db["sessions"].create(
        {
            "id": str, "source_id": str, "uid": str, "title": str, "description": str, "start": str,
            "end": str, "start_date": str, "month": str, "all_day": int, "occurrences": str, "place": str,
            "organiser": str, "url": str, "status": str, "date_text": str, "registration_deadline": str,
            "audience": str, "departement": str, "region": str, "fetched_at": str, "first_seen": str,
            "last_seen": str, "updated_at": str, "missing_runs": int, "gone": int, "cluster_id": str,
        },
        pk="id",
        foreign_keys=[("source_id", "sources", "id")],
        defaults={"missing_runs": 0, "gone": 0},
    )
    db["matches"].create(
        {
            "session_id": str, "score": float, "relevant": int, "terms": str, "why": str,
            "keywords_version": str, "matched_at": str,
        },
        pk="session_id",
        foreign_keys=[("session_id", "sessions", "id")],
    )
    db["session_changes"].create(
        {"id": int, "session_id": str, "run_id": int, "changed_at": str, "field": str, "old_value": str, "new_value": str},
        pk="id",
        foreign_keys=[("session_id", "sessions", "id"), ("run_id", "crawl_runs", "id")],
    )
    db["triage"].create(
        {"session_id": str, "state": str, "note": str, "by": str, "at": str},
        pk="session_id",
        foreign_keys=[("session_id", "sessions", "id")],
    )
    db["alerts"].create(
        {"id": int, "subscriber": str, "session_id": str, "change_key": str, "sent_at": str},
        pk="id",
        foreign_keys=[("session_id", "sessions", "id")],
    )
    db["alerts"].create_index(["subscriber", "session_id", "change_key"], unique=True)
    db["sessions"].create_index(["source_id"])
    db["sessions"].create_index(["start_date"])
    db["sessions"].create_index(["cluster_id"])
    db["matches"].create_index(["relevant", "score"])
    db["session_changes"].create_index(["session_id"])
    db["crawl_errors"].create_index(["run_id", "source_id"])
    # remove_diacritics: a search for "privee" finds "privée", as volunteers type without accents.
    db["sessions"].enable_fts(
        ["title", "description", "place", "organiser"], create_triggers=True, tokenize="unicode61 remove_diacritics 2"
    )


def _add_map_and_kind_v2(db: sqlite_utils.Database) -> None:
    """Coordinates for the map and the source's kind on each session (Datasette facets on
    columns of the table itself, not on joined ones)."""
    for column, kind in (("latitude", float), ("longitude", float), ("source_kind", str)):
        db["sessions"].add_column(column, kind)
    db.execute("update sessions set source_kind = (select kind from sources where sources.id = sessions.source_id)")
    for row in list(db.query("select id, place, departement from sessions")):
        position = locate(row["place"], row["departement"])
        if position:
            db.execute("update sessions set latitude = ?, longitude = ? where id = ?", [*position, row["id"]])


# The ``organisers`` view as schema v3 created it (v6 replaces it, see ORGANISERS_VIEW): it joined
# every session of the last 12 months to its match, triage and source on each read (1.5 s over
# 1,000,000 sessions, bench/serve.py).
ORGANISERS_VIEW_V3 = """
select
  source_id, organiser, source_kind, departement, region, contact, source_url,
  sum(start_date >= date('now', '-12 months') and start_date < date('now')) as sessions_12_mois,
  sum(start_date >= date('now')) as sessions_a_venir,
  sum(mediation) as sessions_mediation,
  sum(privacy) as sessions_vie_privee,
  max(case when privacy then start_date end) as derniere_session_vie_privee,
  sum(mediation) - 2 * sum(privacy) as outreach,
  rank() over (order by sum(mediation) - 2 * sum(privacy) desc) as rang_prospection,
  avg(latitude) as latitude, avg(longitude) as longitude
from (
  select s.source_id, coalesce(s.organiser, src.name) as organiser, src.kind as source_kind,
    src.departement, src.region, src.contact, src.url as source_url, s.start_date, s.latitude, s.longitude,
    coalesce(m.theme = 'médiation numérique', 0) as mediation,
    -- a session volunteers triaged "pas pertinent" is no privacy session
    coalesce(m.theme = 'vie privée' and coalesce(t.state, '') != 'pas pertinent', 0) as privacy
  from sessions s
  join sources src on src.id = s.source_id
  left join matches m on m.session_id = s.id
  left join triage t on t.session_id = s.id
  where s.gone = 0 and s.start_date >= date('now', '-12 months')
)
group by source_id, organiser
"""


def _add_themes_and_organisers_v3(db: sqlite_utils.Database) -> None:
    """Each session's theme (privacy, digital mediation, other), the sources' published
    contact, and the ``organisers`` view built on them."""
    db["matches"].add_column("mediation_score", float)
    db["matches"].add_column("theme", str)
    db["sources"].add_column("contact", str)
    db.execute("update matches set theme = case when relevant then 'vie privée' else 'autre' end")
    db.create_view("organisers", ORGANISERS_VIEW_V3)


def _speed_up_v4(db: sqlite_utils.Database) -> None:
    """Indexes for Datasette's facets and date-ordered lists, and a full-text index that is
    only rewritten when an indexed column changes (a re-crawl mostly touches last_seen)."""
    for column in ("departement", "region", "source_kind", "organiser", "status", "month", "start"):
        db["sessions"].create_index([column], if_not_exists=True)
    db.execute("drop trigger if exists sessions_au")
    db.execute("""
        create trigger sessions_au after update of title, description, place, organiser on sessions begin
          insert into sessions_fts (sessions_fts, rowid, title, description, place, organiser)
            values ('delete', old.rowid, old.title, old.description, old.place, old.organiser);
          insert into sessions_fts (rowid, title, description, place, organiser)
            values (new.rowid, new.title, new.description, new.place, new.organiser);
        end""")
    db.execute("analyze")


def _index_the_lists_v5(db: sqlite_utils.Database) -> None:
    """Indexes from which each canned list reads its first page in order, instead of reading
    every relevant match and sorting (datasette-metadata.json, bench/serve.py)."""
    # Upcoming lists walk sessions by start; the territory test reads departement and region,
    # and the join to matches reads id, from the index before any row.
    db.execute("drop index if exists idx_sessions_start")
    db["sessions"].create_index(["start", "departement", "region", "id"], if_not_exists=True)
    # Cancelled or postponed sessions by date (the narrower status index stays: faster facet counts).
    db["sessions"].create_index(["status", "start"], if_not_exists=True)
    db["sessions"].create_index(["registration_deadline"], if_not_exists=True)
    db["sessions"].create_index(["first_seen"], if_not_exists=True)
    for sql in (
        # "New or changed this week" filters and sorts on this expression.
        "create index if not exists idx_sessions_last_change on sessions(max(first_seen, updated_at))",
        # Multi-day sessions by last day: the earliest start of a session still running, which
        # bounds the upcoming lists' range of the start index.
        """create index if not exists idx_sessions_multi_day on sessions(substr("end", 1, 10), start_date)
             where substr("end", 1, 10) > start_date""",
        # Duplicates (cluster members other than the head), for the territory test of their head.
        """create index if not exists idx_sessions_duplicates on sessions(cluster_id, departement, region)
             where cluster_id != id""",
    ):
        db.execute(sql)
    db.execute("analyze")


# Where to offer a workshop: per source and organiser, digital mediation taught against privacy
# taught, over the last 12 months and what is announced. Much mediation and little or no
# privacy ranks first ("outreach" = mediation sessions minus twice the privacy sessions).
#
# The store keeps the dated facts in ``organiser_days`` (one row per source, organiser and day);
# this view sums them relative to today on each read, so the 12-month window and the past /
# announced split stay right however long after a crawl the lists are read.
ORGANISER_DAYS = """
create table organiser_days (
  source_id text not null references sources(id),
  organiser text not null,           -- as published; '' when none (then the source's name, read at query time)
  day text not null,                 -- the sessions' start_date
  sessions integer not null,
  mediation integer not null,        -- sessions whose theme is digital mediation
  privacy integer not null,          -- privacy sessions, less those triaged « pas pertinent »
  latitude_sum real not null,        -- sums of the located sessions' coordinates, for an average
  longitude_sum real not null,
  located integer not null,
  primary key (source_id, organiser, day)
) without rowid
"""

# The facts of the sessions that ``where`` selects (sessions ``s``), with the view's rules: no
# gone session, nothing older than 12 months (the window only moves forward, so a fact dropped
# here is never needed later), a session triaged « pas pertinent » is no privacy session.
ORGANISER_DAYS_SELECT = """
select s.source_id, coalesce(s.organiser, ''), s.start_date, count(*),
  sum(coalesce(m.theme = 'médiation numérique', 0)),
  sum(coalesce(m.theme = 'vie privée' and coalesce(t.state, '') != 'pas pertinent', 0)),
  total(s.latitude), total(s.longitude), count(s.latitude)
from sessions s
left join matches m on m.session_id = s.id
left join triage t on t.session_id = s.id
where s.gone = 0 and s.start_date >= date('now', '-12 months') and ({where})
group by s.source_id, coalesce(s.organiser, ''), s.start_date
"""

ORGANISERS_VIEW = """
select source_id, organiser, source_kind, departement, region, contact, source_url,
  sessions_12_mois, sessions_a_venir, sessions_mediation, sessions_vie_privee, derniere_session_vie_privee,
  outreach,
  rank() over (order by outreach desc) as rang_prospection,
  latitude, longitude
from (
  select g.source_id, coalesce(nullif(g.organiser, ''), src.name) as organiser, src.kind as source_kind,
    src.departement, src.region, src.contact, src.url as source_url,
    sum(g.past) as sessions_12_mois,
    sum(g.upcoming) as sessions_a_venir,
    sum(g.mediation) as sessions_mediation,
    sum(g.privacy) as sessions_vie_privee,
    max(g.last_privacy) as derniere_session_vie_privee,
    sum(g.mediation) - 2 * sum(g.privacy) as outreach,
    sum(g.latitude_sum) / nullif(sum(g.located), 0) as latitude,
    sum(g.longitude_sum) / nullif(sum(g.located), 0) as longitude
  from (
    -- per source and organiser first, in the table's key order (no sort), then the source's name
    select f.source_id, f.organiser,
      sum(case when f.day < date('now') then f.sessions else 0 end) as past,
      sum(case when f.day >= date('now') then f.sessions else 0 end) as upcoming,
      sum(f.mediation) as mediation, sum(f.privacy) as privacy,
      max(case when f.privacy > 0 then f.day end) as last_privacy,
      sum(f.latitude_sum) as latitude_sum, sum(f.longitude_sum) as longitude_sum, sum(f.located) as located
    from organiser_days f
    where f.day >= date('now', '-12 months')
    group by f.source_id, f.organiser
  ) g
  join sources src on src.id = g.source_id
  group by g.source_id, coalesce(nullif(g.organiser, ''), src.name)
)
"""

# The (source, organiser, day) of the session ``{id}``, as equalities the planner can search by index.
_SAME_GROUP = """s.source_id = (select source_id from sessions where id = {id})
    and coalesce(s.organiser, '') = (select coalesce(organiser, '') from sessions where id = {id})
    and s.start_date = (select start_date from sessions where id = {id})"""


def _triage_trigger(name: str, event: str, ids: tuple[str, ...]) -> str:
    """A trigger that recomputes the facts of the day a triage write touches: a session triaged
    « pas pertinent » in Datasette stops counting as a privacy session at once, not at the next crawl."""
    steps = "".join(f"""
          delete from organiser_days where (source_id, organiser, day) = (
            select source_id, coalesce(organiser, ''), start_date from sessions where id = {id});
          insert into organiser_days {ORGANISER_DAYS_SELECT.format(where=_SAME_GROUP.format(id=id))};"""
                    for id in ids)
    return f"create trigger {name} after {event} on triage begin{steps}\n        end"


def refresh_organisers(db: sqlite_utils.Database, source_ids: list[str] | None = None) -> None:
    """Recompute ``organiser_days`` for these sources (all when None); run it inside the
    transaction that changed their sessions or matches."""
    if source_ids is None:
        db.execute("delete from organiser_days")
        db.execute(f"insert into organiser_days {ORGANISER_DAYS_SELECT.format(where='1')}")
        return
    for source_id in source_ids:
        db.execute("delete from organiser_days where source_id = ?", [source_id])
        db.execute(f"insert into organiser_days {ORGANISER_DAYS_SELECT.format(where='s.source_id = :source')}",
                   {"source": source_id})


def _organisers_table_v6(db: sqlite_utils.Database) -> None:
    """The ``organisers`` view reads per-day facts the store keeps up to date, instead of every
    session of the last 12 months; partial indexes of the sessions in several parts (for the
    calendar's day-by-day events) and of the cancelled or postponed ones (bench/serve.py)."""
    db.execute("drop view if exists organisers")
    db.execute(ORGANISER_DAYS)
    db.execute(_triage_trigger("triage_organisers_ai", "insert", ("new.session_id",)))
    db.execute(_triage_trigger("triage_organisers_au", "update", ("old.session_id", "new.session_id")))
    db.execute(_triage_trigger("triage_organisers_ad", "delete", ("old.session_id",)))
    db.create_view("organisers", ORGANISERS_VIEW)
    refresh_organisers(db)
    # Sessions in several parts by last day: the calendar reads those still running. The
    # expressions are the calendar's own, or SQLite cannot use the index.
    db.execute("""create index if not exists idx_sessions_multi_part
                    on sessions(coalesce(substr("end", 1, 10), substr(start, 1, 10)))
                    where json_array_length(occurrences) > 1""")
    # The upcoming lists walk the start index; with "end" in it, the sessions already over (a
    # three-week course still running moves the walk's start three weeks back) are skipped
    # without reading their rows.
    db.execute("drop index if exists idx_sessions_start_departement_region_id")
    db["sessions"].create_index(["start", "end", "departement", "region", "id"], if_not_exists=True)
    # Cancelled or postponed sessions in start order (annulees_reportees stops at its last row);
    # it replaces v5's (status, start), from which that list had to sort both statuses' sessions.
    db.execute("create index if not exists idx_sessions_changed_status on sessions(start) "
               "where status in ('cancelled', 'postponed')")
    db.execute("drop index if exists idx_sessions_status_start")
    db.execute("analyze")


def _health_problem_v7(db: sqlite_utils.Database) -> None:
    """What is wrong with a source's run, in French, beside its verdict (``health.assess``)."""
    db["source_runs"].add_column("problem", str)


# version -> function bringing the database from version-1 to version
MIGRATIONS = {1: _create_v1, 2: _add_map_and_kind_v2, 3: _add_themes_and_organisers_v3, 4: _speed_up_v4,
              5: _index_the_lists_v5, 6: _organisers_table_v6, 7: _health_problem_v7}


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating or upgrading) the database in WAL mode with a busy timeout."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 30000")
    # 64 MiB of page cache instead of SQLite's 2 MiB: a first crawl updates the sessions table, its
    # indexes and the full-text index at random places, and with the default cache each insert
    # re-read pages from the OS (bench/store.py: 50,000 new sessions 59 s -> 14 s).
    conn.execute("PRAGMA cache_size = -65536")
    conn.execute("PRAGMA foreign_keys = ON")
    db = sqlite_utils.Database(conn)
    db.enable_wal()
    version = db.execute("PRAGMA user_version").fetchone()[0]
    for target in range(version + 1, SCHEMA_VERSION + 1):
        with db.atomic():  # an interrupted upgrade leaves the previous version whole
            MIGRATIONS[target](db)
            db.execute(f"PRAGMA user_version = {target}")
    return db


class Store:
    """Reads and writes veille's tables; the only module that writes SQL."""

    def __init__(self, path: str | Path):
        self.db = open_db(path)

    # --- sources and runs -------------------------------------------------------------
    def sync_sources(self, sources) -> None:
        """Copy the configuration of sources.yml into ``sources``, keeping crawl history columns."""
        rows = [
            {
                "id": s.id, "name": s.name, "kind": s.kind, "departement": s.departement, "region": s.region,
                "url": s.url, "platform": s.platform, "format": s.format, "enabled": int(s.enabled),
                "evidence": s.evidence, "notes": s.notes, "unsupported": s.unsupported, "contact": s.contact,
            }
            for s in sources
        ]
        with self.db.atomic():
            self.db["sources"].upsert_all(rows, pk="id")

    def start_run(self, keywords_version: str | None = None) -> int:
        """A new crawl run; a run left "running" by a killed crawl is marked "interrupted"."""
        with self.db.atomic():
            self.db.execute("update crawl_runs set status = 'interrupted' where status = 'running'")
            return self.db["crawl_runs"].insert(
                {"started_at": utcnow(), "status": "running", "keywords_version": keywords_version}
            ).last_pk

    def finish_run(self, run_id: int, summary: dict, status: str) -> None:
        counts = {k: summary.get(k, 0) for k in (
            "sources_ok", "sources_failed", "sources_empty", "sessions_new", "sessions_changed", "sessions_gone")}
        with self.db.atomic():
            self.db["crawl_runs"].update(
                run_id, {"finished_at": utcnow(), "status": status, "report": json.dumps(summary, ensure_ascii=False), **counts}
            )

    # --- one source's results, in one transaction -------------------------------------
    def save_source(self, run_id: int, source, items: list[dict], health: dict) -> dict:
        """Upsert a source's sessions, record changes, age missing ones, store its health.

        A failed crawl (``health["failed"]``) changes none of the source's sessions.
        Returns counts ``{"new", "changed", "unchanged", "gone"}``.
        """
        now = utcnow()
        counts = {"new": 0, "changed": 0, "unchanged": 0, "gone": 0}
        # atomic(), never `with conn:`: the connection is in autocommit mode (isolation_level=None), where
        # `with conn:` opens no transaction, so each statement would commit (and sync) on its own.
        with self.db.atomic():
            self.db["crawl_errors"].insert_all(
                {"run_id": run_id, "source_id": source.id, "at": now, **error} for error in health.get("errors", []))
            if not health.get("failed"):
                seen = set()
                for item in items:
                    seen.add(item["id"])
                    counts[self._upsert_session(run_id, source, item, now)] += 1
                    if item.get("match"):
                        self._upsert_match(item["id"], item["match"], now)
                counts["gone"] = self._age_missing(source.id, seen)
                refresh_organisers(self.db, [source.id])  # where to offer a workshop, from these sessions
            recent = list(self.db.query(
                "select run_id, health, items, missing_fields from source_runs where source_id = ? "
                "order by run_id desc limit ?", [source.id, RECENT_RUNS]))
            verdict, problem = assess(health, recent)
            self.db["source_runs"].insert(
                {"run_id": run_id, "source_id": source.id, "health": verdict, "problem": problem, **{
                    k: health.get(k) for k in ("pages", "items", "upcoming", "strategy", "finish_reason", "duration")},
                 "errors": len(health.get("errors", [])),
                 "missing_fields": json.dumps(health.get("missing_fields", {}))},
                replace=True,
            )
            update = {"last_run_id": run_id, "strategy": health.get("strategy")}
            if health.get("failed"):
                update["last_error"] = (health.get("errors") or [{}])[-1].get("message")
            else:
                update.update(last_success=now, last_sessions=len(items))
                if items:
                    update["confirmed_at"] = now
            self.db["sources"].update(source.id, update)
        return counts

    def _upsert_session(self, run_id: int, source, item: dict, now: str) -> str:
        row = {
            **{k: item.get(k) for k in (
                "id", "source_id", "uid", "title", "description", "start", "end", "place", "organiser", "url",
                "status", "date_text", "registration_deadline", "audience", "fetched_at")},
            "all_day": int(bool(item.get("all_day"))),
            "occurrences": json.dumps(item.get("occurrences") or [], ensure_ascii=False),
            "start_date": item["start"][:10],
            "month": item["start"][:7],
            "departement": source.departement,
            "region": source.region,
            "source_kind": source.kind,
            "last_seen": now,
            "missing_runs": 0,
            "gone": 0,
        }
        # Plain SQL: sqlite-utils' insert/update re-read the table's schema on every call, which
        # was most of the time of a 100,000-session re-crawl (bench/store.py).
        old = next(self.db.query("select * from sessions where id = ?", [row["id"]]), None)
        if old is not None and (old["place"], old["departement"]) == (row["place"], row["departement"]):
            row["latitude"], row["longitude"] = old["latitude"], old["longitude"]  # geocode a place once
        else:
            row["latitude"], row["longitude"] = locate(row["place"], source.departement) or (None, None)
        if old is None:
            new = {**row, "first_seen": now, "updated_at": now}
            self.db.execute(f"insert into sessions ({', '.join(f'[{k}]' for k in new)}) values "
                            f"({', '.join('?' * len(new))})", list(new.values()))
            return "new"
        changes = [
            {"session_id": row["id"], "run_id": run_id, "changed_at": now, "field": f,
             "old_value": old[f], "new_value": row[f]}
            for f in TRACKED_FIELDS if (old[f] or None) != (row[f] or None)
        ]
        if changes:
            self.db["session_changes"].insert_all(changes)
            row["updated_at"] = now
        if changes or any(old[k] != v for k, v in row.items() if k not in ("last_seen", "fetched_at")):
            self.db.execute(f"update sessions set {', '.join(f'[{k}] = ?' for k in row)} where id = ?",
                            [*row.values(), row["id"]])
        else:
            self.db.execute(
                "update sessions set last_seen = ?, fetched_at = ? where id = ?", [now, row["fetched_at"], row["id"]]
            )
        return "changed" if changes else "unchanged"

    def _age_missing(self, source_id: str, seen: set[str]) -> int:
        """Count a miss for each session not seen; the second miss in a row makes it ``gone``."""
        missing = [
            r["id"] for r in self.db.query("select id from sessions where source_id = ? and gone = 0", [source_id])
            if r["id"] not in seen
        ]
        self.db.conn.executemany(
            "update sessions set missing_runs = missing_runs + 1 where id = ?", [(i,) for i in missing])
        return self.db.conn.executemany(  # executemany's rowcount is the sum over all ids
            "update sessions set gone = 1 where id = ? and missing_runs >= ?",
            [(i, MISSING_RUNS_BEFORE_GONE) for i in missing]).rowcount

    # --- matches ----------------------------------------------------------------------
    def save_matches(self, matches: dict[str, dict]) -> None:
        """Store match results by session id (``score``, ``relevant``, ``terms``, ``why``,
        ``keywords_version``, ``theme``...), all in one transaction."""
        now = utcnow()
        with self.db.atomic():
            for session_id, match in matches.items():
                self._upsert_match(session_id, match, now)
            # A theme changed is a count of « where to offer a workshop » changed.
            sources = [r[0] for r in self.db.execute(
                "select distinct source_id from sessions where id in (select value from json_each(?))",
                [json.dumps(list(matches))])]
            refresh_organisers(self.db, sources)

    def refresh_organisers(self) -> None:
        """Recompute every fact of the ``organisers`` view (after a bulk load or a manual edit)."""
        with self.db.atomic():
            refresh_organisers(self.db)

    def _upsert_match(self, session_id: str, match: dict, now: str) -> None:
        # One statement, not sqlite-utils' upsert (which re-reads the table schema each call):
        # a re-crawl of 100,000 sessions writes 100,000 matches (bench/store.py).
        row = {
            "session_id": session_id, "score": match["score"], "relevant": int(match["relevant"]),
            "terms": json.dumps(match["terms"], ensure_ascii=False), "why": match.get("why"),
            "keywords_version": match.get("keywords_version"), "matched_at": now,
            "mediation_score": match.get("mediation_score"),
            "theme": match.get("theme") or ("vie privée" if match["relevant"] else "autre"),
        }
        columns = ", ".join(row)
        updates = ", ".join(f"{c} = excluded.{c}" for c in row if c != "session_id")
        self.db.execute(f"insert into matches ({columns}) values ({', '.join('?' * len(row))}) "
                        f"on conflict(session_id) do update set {updates}", list(row.values()))

    # --- cross-source duplicates ------------------------------------------------------
    def cluster_duplicates(self, title_threshold: float = 80, place_threshold: float = 70) -> int:
        """Give one ``cluster_id`` to sessions of different sources on the same day, in the same
        town, with titles alike: lists and alerts show them once with both links."""
        rows = list(self.db.query(
            "select id, source_id, start_date, title, place, cluster_id from sessions where gone = 0"
            " order by start_date, id"))
        cluster = {r["id"]: r["id"] for r in rows}
        by_day: dict[str, list[dict]] = {}
        for r in rows:
            by_day.setdefault(r["start_date"], []).append(r)
        for same_day in by_day.values():
            titles = [r["title"].lower() for r in same_day]
            for i, a in enumerate(same_day):
                # rapidfuzz compares one title with the rest of the day in C; Python sees only the alike.
                for _, _, j in process.extract(titles[i], titles[i + 1:], scorer=fuzz.token_set_ratio,
                                               score_cutoff=title_threshold, limit=None):
                    b = same_day[i + 1 + j]
                    same_town = not a["place"] or not b["place"] or fuzz.partial_ratio(
                        a["place"].lower(), b["place"].lower()) >= place_threshold
                    if a["source_id"] != b["source_id"] and same_town:
                        cluster[b["id"]] = cluster[a["id"]]
        # Only rows whose cluster changes are written: every update of sessions re-indexes its FTS row.
        with self.db.atomic():
            self.db.execute("update sessions set cluster_id = id where gone = 1 and cluster_id is not id")
            self.db.conn.executemany("update sessions set cluster_id = ? where id = ?", [
                (cluster[r["id"]], r["id"]) for r in rows if r["cluster_id"] != cluster[r["id"]]])
        return sum(1 for k, v in cluster.items() if k != v)

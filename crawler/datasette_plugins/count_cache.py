"""Datasette plugin: row counts and facet counts are kept until the database changes.

The sessions table page counts its rows and six facets on every visit: six scans of 1,000,000
index entries, ~400 ms of SQL (bench/serve.py), for data that change once a week (the crawl)
and at each triage. The counts a query gives are kept in memory and all dropped as soon as
SQLite's ``PRAGMA data_version`` says that another connection committed (the crawl, a triage
through Datasette, any writer), and at midnight UTC (a view such as ``organisers`` counts
relative to today).

Only the counting queries Datasette writes itself are kept, recognised by their shape (see
COUNTING): a table page's ``select count(*) from ...`` and a column facet's ``select <column>
as value, count(*) as count from (...)``. Rows and canned queries always run; a volunteer's own
SQL of one of those shapes is kept too (for the day at most, if it counts relative to the hour).
"""
from __future__ import annotations

import re
import sqlite3
import threading
from collections import OrderedDict
from datetime import datetime, timezone

from datasette.database import Database

MAX_ENTRIES = 512  # one per (query, parameters): a table page with six facets uses seven
# datasette 0.65's TableView count_sql and ColumnFacet.facet_sql, and nothing else it runs.
COUNTING = re.compile(r"\s*select (count\(\*\) from |\S+ as value, count\(\*\) as count from \()")


class DataVersionCache:
    """Query results kept while one database file is unchanged (and the UTC day the same)."""

    def __init__(self, path: str):
        # Its own read-only connection: data_version changes when *another* connection commits.
        self._conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self._version: tuple | None = None
        self._entries: OrderedDict = OrderedDict()

    def _check(self) -> None:
        version = (self._conn.execute("PRAGMA data_version").fetchone()[0],
                   datetime.now(timezone.utc).date())
        if version != self._version:
            self._entries.clear()
            self._version = version

    def get(self, key):
        """The result kept for ``key``, or None when absent or the data changed since."""
        with self._lock:
            self._check()
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
            return None

    def version(self) -> tuple | None:
        """The data version now; give it back to ``put`` with the result computed after it."""
        with self._lock:
            self._check()
            return self._version

    def put(self, key, version: tuple | None, value) -> None:
        """Keep ``value`` unless the data changed while it was computed."""
        with self._lock:
            self._check()
            if version != self._version:
                return
            self._entries[key] = value
            if len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)


_caches: dict[str, DataVersionCache] = {}
_caches_lock = threading.Lock()


def cache_for(database: Database) -> DataVersionCache | None:
    """The cache of a database file (none for an in-memory database)."""
    if database.is_memory or not database.path:
        return None
    with _caches_lock:
        if database.path not in _caches:
            _caches[database.path] = DataVersionCache(database.path)
        return _caches[database.path]


def _frozen(params) -> tuple:
    if params is None:
        return ()
    if isinstance(params, dict):
        return tuple(sorted(params.items()))
    return tuple(params)


_execute = Database.execute


async def execute(self, sql, params=None, truncate=False, custom_time_limit=None, page_size=None,
                  log_sql_errors=True):
    """Database.execute, answering counting queries from the cache while the data are unchanged."""
    cache = cache_for(self) if COUNTING.match(sql) else None
    if cache is None:
        return await _execute(self, sql, params, truncate, custom_time_limit, page_size, log_sql_errors)
    key = (sql, _frozen(params), truncate, page_size)
    kept = cache.get(key)
    if kept is not None:
        return kept
    version = cache.version()
    # A query interrupted by its time limit raises: nothing is kept, the next visit tries again.
    results = await _execute(self, sql, params, truncate, custom_time_limit, page_size, log_sql_errors)
    cache.put(key, version, results)
    return results


# Facets (ColumnFacet, through Datasette.execute) and the table view's count both call this method.
Database.execute = execute

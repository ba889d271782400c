"""Datasette plugin: the days of a session in words, '21 et 22 mars, 11 et 12 avril 2027'.

A multi-part session ('les 21 et 22 mars puis les 11 et 12 avril') is one row whose days are
in ``occurrences`` (JSON): the lists show them with the SQL function
``jours(occurrences, start, end)``, and the sessions table renders that column in words, so that
no day hides behind a first–last span.
"""
import json
from datetime import date

from datasette import hookimpl

from crawler.digest import french_days


def occurrence_days(occurrences: str | None) -> list[date]:
    """The distinct days of a stored ``occurrences`` list, earliest first."""
    return sorted({date.fromisoformat(part["start"][:10]) for part in json.loads(occurrences or "[]")})


def session_days(occurrences: str | None, start: str | None, end: str | None) -> str | None:
    """Every day of a multi-part session; 'du … au …' for a span; the day of any other session."""
    days = occurrence_days(occurrences)
    if len(days) > 1:
        return french_days(days)
    if not start:
        return None
    first, last = date.fromisoformat(start[:10]), date.fromisoformat((end or start)[:10])
    return f"du {french_days([first])} au {french_days([last])}" if last > first else french_days([first])


@hookimpl
def prepare_connection(conn):
    conn.create_function("jours", 3, session_days, deterministic=True)


@hookimpl
def render_cell(value, column, table):
    # Only the table's own column: the JSON stays as is in exports and in custom SQL.
    if column != "occurrences" or table != "sessions" or not isinstance(value, str):
        return None
    days = occurrence_days(value)
    return french_days(days) if len(days) > 1 else None

"""Datasette plugin: in the query lists, a session's id links to its triage form and history.

Volunteers spot a session in a list and then triage it: the session_id cell leads to the
triage form, already filled with the id, and to the session's history.
"""
from urllib.parse import quote

from datasette import hookimpl
from markupsafe import Markup, escape


@hookimpl
def render_cell(value, column, table, database, datasette):
    # Table pages (table set) keep Datasette's own rendering, foreign-key labels included.
    if column != "session_id" or table is not None or not isinstance(value, str):
        return None
    base, session = datasette.urls.database(database), quote(value, safe="")
    return Markup(f'{escape(value)}<br><a href="{base}/trier?session_id={session}">trier</a> · '
                  f'<a href="{base}/historique_session?session_id={session}">historique</a>')

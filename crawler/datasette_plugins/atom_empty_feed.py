"""Datasette plugin: the Atom feed of a query with no row is an empty feed, not an error.

datasette-atom 0.9 dates the feed by its newest entry and fails (error 500) when the query
returns nothing: on a fresh install, or in a quiet season, feed readers would get errors.
"""
from datetime import datetime, timezone

import datasette_atom
from datasette.utils.asgi import Response
from feedgen.feed import FeedGenerator

_render_atom = datasette_atom.render_atom


def render_atom(datasette, request, sql, columns, rows, database, table, query_name, view_name, data):
    """datasette-atom's renderer, with an empty feed dated now when there is no row."""
    if rows:
        return _render_atom(datasette, request, sql, columns, rows, database, table, query_name, view_name, data)
    query = (datasette.metadata(database=database) or {}).get("queries", {}).get(query_name)
    feed = FeedGenerator()
    feed.id(request.url)
    feed.link(href=request.url, rel="self")
    feed.title((query.get("title") if isinstance(query, dict) else None) or query_name or table or "Datasette")
    feed.updated(datetime.now(timezone.utc))
    return Response(feed.atom_str(pretty=True), content_type="application/xml; charset=utf-8", status=200)


# register_output_renderer reads this module-level name when Datasette starts, after plugins load.
datasette_atom.render_atom = render_atom

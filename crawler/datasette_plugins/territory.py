"""Datasette plugin: the SQL function ``dans_territoire(departement, region, territoire)``, the
territory rule of crawler/territory.py for the canned queries and feeds."""
from datasette import hookimpl

from crawler.territory import in_territory


@hookimpl
def prepare_connection(conn):
    conn.create_function("dans_territoire", 3, in_territory, deterministic=True)

"""Serve the database as ``veille`` whatever its file is called.

Datasette names a database after its file (``/tmp/x.db`` is ``x``), but the metadata, the
feeds' addresses and the digests' links all say ``/veille/``: ``veille serve --db /tmp/x.db``
must not lose its lists and feeds.
"""
from datasette import hookimpl

NAME = "veille"


@hookimpl
def startup(datasette):
    served = [name for name in datasette.databases if not name.startswith("_")]
    if len(served) == 1 and served[0] != NAME:
        database = datasette.databases[served[0]]
        datasette.remove_database(served[0])
        datasette.add_database(database, name=NAME)

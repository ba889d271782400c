"""How Datasette is started on the veille database: metadata, plugins, limits."""
from __future__ import annotations

import sys

from crawler import PROJECT_ROOT

METADATA = PROJECT_ROOT / "datasette-metadata.json"
PLUGINS_DIR = PROJECT_ROOT / "crawler" / "datasette_plugins"
# The most rows a list, a feed or a JSON/CSV export of a canned query gives (Datasette's default
# is 1,000). Nobody reads 1,000 rows, and rendering them was most of a list's time on a
# 1,000,000-session database (bench/serve.py). Tables stay whole in CSV with ``_stream=on``.
MAX_RETURNED_ROWS = 200


def datasette_command(db: str, host: str, port: int) -> list[str]:
    """The ``datasette serve`` command line; the database stays writable for triage."""
    return [sys.executable, "-m", "datasette", "serve", db, "--metadata", str(METADATA),
            "--plugins-dir", str(PLUGINS_DIR), "--host", host, "--port", str(port),
            "--setting", "sql_time_limit_ms", "3000",
            "--setting", "max_returned_rows", str(MAX_RETURNED_ROWS),
            # Facet suggestions scan every column of a large table on each page: most of a
            # 1,000,000-session page's time (bench/serve.py). The metadata names the useful facets.
            "--setting", "suggest_facets", "off"]

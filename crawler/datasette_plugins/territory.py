"""Datasette plugin: the SQL function ``dans_territoire(departement, region, territoire)``.

One rule for every query filtered by territory (sessions of a département, per-volunteer
feeds, where to offer a workshop). ``territoire`` is what a volunteer types or what their
digest links carry: département codes and region names, comma-separated ("35", "bretagne",
"22,29,Pays de la Loire"). A code matches a whole code ("3" is not "35"; "74" is in the
"73-74" common service); a name matches part of the region, case and accents aside
("auvergne-rhone" finds "Auvergne-Rhône-Alpes"). Empty: everywhere.
"""
from functools import lru_cache

from datasette import hookimpl

from matchers.normalize import normalize


# A list walks thousands of sessions per page, over about a hundred (departement, region) pairs:
# the folding of the same few strings was most of par_territoire's time (bench/serve.py).
@lru_cache(maxsize=4096)
def in_territory(departement: str | None, region: str | None, territory: str | None) -> bool:
    codes = set((departement or "").split("-")) - {""}
    folded_region = normalize(region or "").strip()
    wanted = [part.strip() for part in (territory or "").split(",") if normalize(part).strip()]
    return not wanted or any(
        part.upper() in codes or (folded_region and normalize(part).strip() in folded_region) for part in wanted)


@hookimpl
def prepare_connection(conn):
    conn.create_function("dans_territoire", 3, in_territory, deterministic=True)

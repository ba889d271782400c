"""A volunteer's territory: département codes and region names, comma-separated.

One rule for every filter by territory: the Datasette lists and feeds (the SQL function
``dans_territoire``, crawler/datasette_plugins/territory.py) and the weekly digests
(``Subscriber.covers``), so that a digest and the feed links it carries list the same sessions.
A code matches a whole code ("3" is not "35"; "74" is in the "73-74" common service); a name
matches part of the region, case and accents aside ("auvergne-rhone" finds
"Auvergne-Rhône-Alpes"). Empty: everywhere.
"""
from functools import lru_cache

from matchers.normalize import normalize


# A list walks thousands of sessions per page, over about a hundred (departement, region) pairs:
# the folding of the same few strings was most of par_territoire's time (bench/serve.py).
@lru_cache(maxsize=4096)
def in_territory(departement: str | None, region: str | None, territory: str | None) -> bool:
    """Whether a session of this département (or common service, "73-74") and region is in it."""
    codes = set((departement or "").split("-")) - {""}
    folded_region = normalize(region or "").strip()
    wanted = [part.strip() for part in (territory or "").split(",") if normalize(part).strip()]
    return not wanted or any(
        part.upper() in codes or (folded_region and normalize(part).strip() in folded_region) for part in wanted)

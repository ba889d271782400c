"""Datasette as the volunteers get it: a test database built by the project's own store, and a
real ``datasette serve`` process on a free loopback port.

The sessions are dated from today (the canned queries compare with SQLite's ``date('now')``),
and their Paris times carry the right UTC offset, winter and summer.
"""
from __future__ import annotations

import os
import subprocess
import time
from datetime import date, datetime, time as clock, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import requests

from conftest import free_port
from crawler.items import session_id
from crawler.serve import datasette_command
from crawler.sources import Source
from crawler.store import Store

PARIS = ZoneInfo("Europe/Paris")
VOLUNTEER, PASSWORD = "benevole", "mot de passe des tests"

BD35 = Source(id="bd-35", name="Médiathèque départementale d'Ille-et-Vilaine", kind="bd", departement="35",
              region="Bretagne", url="https://mediatheque.example.fr/formations",
              contact="formation@mediatheque.example.fr")
ABF = Source(id="abf-bretagne", name="ABF Groupe Bretagne", kind="abf", region="Bretagne",
             url="https://abf.example.fr/bretagne")
BD26 = Source(id="bd-26", name="Médiathèque départementale de la Drôme", kind="bd", departement="26",
              region="Auvergne-Rhône-Alpes", url="https://lecture.example.fr/agenda")
BD22 = Source(id="bd-22", name="Bibliothèque des Côtes-d'Armor", kind="bd", departement="22", region="Bretagne",
              url="https://bca.example.fr/agenda", contact="https://bca.example.fr/contact-formation")
SOURCES = (BD35, ABF, BD26, BD22)
VITRE = "Réseau des médiathèques de Vitré"  # a second organiser in the Ille-et-Vilaine calendar
SCRIPT_TITLE = "<script>alert(1)</script> Données personnelles"


def today() -> date:
    """Today as SQLite's date('now') sees it (UTC)."""
    return datetime.now(timezone.utc).date()


def paris(day: date, hour: int, minute: int = 0) -> str:
    """ISO local Paris time with its offset: '...T09:30:00+01:00' in winter, '+02:00' in summer."""
    return datetime.combine(day, clock(hour, minute), PARIS).isoformat()


def relevant(why: str, score: float = 80) -> dict:
    return {"score": score, "relevant": True, "why": why, "keywords_version": "test",
            "terms": [{"concept": "vie privée", "term": why, "field": "title", "text": why, "similarity": 100}]}


NOT_RELEVANT = {"score": 0, "relevant": False, "terms": [], "why": None, "keywords_version": "test"}
MEDIATION = {**NOT_RELEVANT, "mediation_score": 70, "theme": "médiation numérique"}


def item(source: Source, key: str, title: str, start: str, end: str | None = None, *, match: dict,
         place: str | None = None, status: str = "scheduled", deadline: str | None = None,
         organiser: str | None = None, occurrences: tuple[tuple[str, str | None], ...] = ()) -> dict:
    """A session shaped as the spider yields it; ``occurrences`` as (start, end) pairs."""
    return {
        "id": session_id(source.id, key), "source_id": source.id, "uid": key, "title": title,
        "description": f"{title}. Atelier pour les bibliothécaires.", "start": start, "end": end,
        "all_day": len(start) == 10, "occurrences": [{"start": first, "end": last} for first, last in occurrences],
        "place": place, "organiser": organiser or source.name,
        "url": f"{source.url}/{key}", "status": status, "date_text": start, "registration_deadline": deadline,
        "audience": "Bibliothécaires", "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "match": match,
    }


def multi_part(source: Source, key: str, title: str, parts: list[tuple[str, str | None]], **fields) -> dict:
    """A session in several parts ('les 21 et 22 mars puis les 11 et 12 avril'): one item, its
    first and last day as start and end, every part in ``occurrences``."""
    return item(source, key, title, parts[0][0], parts[-1][1], occurrences=tuple(parts), **fields)


def course_days() -> list[date]:
    """The four days of the ABF course: two in a row, then two more three weeks later."""
    t = today()
    return [t + timedelta(days) for days in (24, 25, 45, 46)]


def weekly_days() -> list[date]:
    """The Ille-et-Vilaine weekly workshop: begun a week ago, two days to come."""
    t = today()
    return [t + timedelta(days) for days in (-7, 7, 14)]


def catalogue(first_run: bool) -> list[tuple[Source, list[dict]]]:
    """Each source's sessions at one crawl; the second crawl moves, postpones and drops some.

    Where to offer a workshop: the Côtes-d'Armor teach digital mediation and no privacy, Vitré
    (in the Ille-et-Vilaine calendar) a little mediation and privacy only over a year ago; the
    others teach privacy. Multi-part: the ABF's four-day course (Paris times), the
    Ille-et-Vilaine weekly workshop already begun (whole days), and a session whose
    ``occurrences`` holds its only day."""
    t = today()
    summer = date(t.year + 1, 6, 15)
    single_day = t + timedelta(35)
    bd35 = [
        item(BD35, "vie-privee", "Protéger sa vie privée en ligne", paris(t + timedelta(10), 9, 0 if first_run else 30),
             paris(t + timedelta(10), 12, 30), place="Médiathèque départementale, 35000 Rennes",
             deadline=(t + timedelta(5)).isoformat(), match=relevant("« vie privée » dans le titre", 85)),
        item(BD35, "conte", "L'heure du conte", paris(t + timedelta(8), 10), place="Rennes", match=NOT_RELEVANT),
        item(BD35, "reportee", "Données personnelles et prêt numérique", (t + timedelta(30)).isoformat(),
             place="Fougères", status="scheduled" if first_run else "postponed",
             match=relevant("« données personnelles » dans le titre")),
        item(BD35, "pas-pertinent", "Vie privée des usagers : atelier", paris(t + timedelta(18), 14),
             place="Vitré", match=relevant("« vie privée » dans le titre", 55)),
        item(BD35, "passee", "Atelier vie privée d'hier", paris(t - timedelta(10), 14), place="Rennes",
             match=relevant("« vie privée » dans le titre")),
        item(BD35, "vitre-tablettes", "Accompagner les usagers sur tablette", (t - timedelta(60)).isoformat(),
             place="Vitré", organiser=VITRE, match=MEDIATION),
        item(BD35, "vitre-rgpd", "Le RGPD pour les agents", (t - timedelta(400)).isoformat(), place="Vitré",
             organiser=VITRE, match=relevant("« RGPD » dans le titre")),
        multi_part(BD35, "hebdo", "Atelier hebdomadaire : sécuriser les postes publics",
                   [(day.isoformat(), day.isoformat()) for day in weekly_days()], place="Rennes",
                   match=relevant("« sécuriser » dans le titre", 70)),
        multi_part(BD35, "une-journee", "Chiffrer ses messages", [(paris(single_day, 14), paris(single_day, 17))],
                   place="Saint-Malo", match=relevant("« chiffrer » dans le titre", 75)),
    ]
    if first_run:
        bd35.append(item(BD35, "disparue", "Chiffrer ses courriels", (t + timedelta(40)).isoformat(),
                         place="Redon", match=relevant("« chiffrer » dans le titre")))
    return [
        (BD35, bd35),
        (ABF, [
            item(ABF, "rgpd", "Journée d'étude : le RGPD en bibliothèque", (t + timedelta(20)).isoformat(),
                 (t + timedelta(21)).isoformat(), place="Saint-Brieuc", match=relevant("« RGPD » dans le titre", 90)),
            item(ABF, "sans-lieu", "Pistage en ligne : comprendre les cookies", (t + timedelta(15)).isoformat(),
                 match=relevant("« pistage » dans le titre", 70)),
            multi_part(ABF, "parcours", "Cybersécurité en bibliothèque : parcours en quatre journées",
                       [(paris(day, 9, 30), paris(day, 16, 30)) for day in course_days()], place="Rennes",
                       match=relevant("« cybersécurité » dans le titre", 80)),
        ]),
        (BD26, [
            item(BD26, "script", SCRIPT_TITLE, paris(t + timedelta(12), 14), paris(t + timedelta(12), 17),
                 place="Valence", match=relevant("« données personnelles » dans le titre", 60)),
            item(BD26, "ete", "Sécurité numérique : les bons réflexes", paris(summer, 14), paris(summer, 16, 30),
                 place="Médiathèque, Montélimar", match=relevant("« sécurité numérique » dans le titre", 75)),
            item(BD26, "annulee", "Autodéfense numérique", paris(t + timedelta(25), 9), place="Die",
                 status="cancelled", match=relevant("« autodéfense numérique » dans le titre")),
            item(BD26, "a-trier", "Mots de passe et vie privée", paris(t + timedelta(22), 9), place="Valence",
                 match=relevant("« vie privée » dans le titre", 65)),
        ]),
        (BD22, [
            item(BD22, f"mediation-{days}", title, (t + timedelta(days)).isoformat(), place=place, match=MEDIATION)
            for days, title, place in (
                (-30, "Les démarches en ligne avec les usagers", "Saint-Brieuc"),
                (-90, "Animer un atelier numérique", "Médiathèque, Lannion"),
                (-200, "Inclusion numérique : le rôle des bibliothèques", "Saint-Brieuc"),
                (-400, "Premiers pas sur internet", "Dinan"),  # over a year ago: not counted
                (45, "Initiation aux tablettes", "Saint-Brieuc"),
            )
        ]),
    ]


def sid(source: Source, key: str) -> str:
    """The stored id of a catalogue session."""
    return session_id(source.id, key)


def build_database(path: Path) -> Path:
    """Three crawls through the store: the first sees everything, the next two see the changes;
    the Drôme source fails on the last one. One session is triaged « pas pertinent »."""
    store = Store(path)
    store.sync_sources(SOURCES)
    for crawl in range(3):
        run_id = store.start_run("test")
        for source, items in catalogue(first_run=crawl == 0):
            if crawl == 2 and source is BD26:
                error = {"url": source.url, "kind": "http", "message": "HTTP 503 Service Unavailable"}
                store.save_source(run_id, source, [], {"pages": 1, "items": 0, "errors": [error], "failed": True})
            else:
                store.save_source(run_id, source, items, {"pages": 1, "items": len(items), "errors": []})
        store.cluster_duplicates()
        store.finish_run(run_id, {}, "ok")
    db = store.db
    # A session first seen a month ago: the weekly list shows it as changed, not new;
    # another one unchanged since then, absent from the weekly list.
    month_ago = (datetime.now(timezone.utc) - timedelta(days=30)).isoformat(timespec="seconds")
    db.execute("update sessions set first_seen = ? where id = ?", [month_ago, sid(BD35, "vie-privee")])
    db.execute("update sessions set first_seen = ?, updated_at = ? where id = ?", [month_ago, month_ago, sid(BD26, "ete")])
    db["triage"].insert({"session_id": sid(BD35, "pas-pertinent"), "state": "pas pertinent", "note": "public jeunesse",
                         "by": "coordination", "at": month_ago})
    return path


class DatasetteProcess:
    """``datasette serve`` on a loopback port, with the project's metadata and plugins."""

    def __init__(self, db: Path, env: dict[str, str], settings: dict[str, str] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = db.with_suffix(".datasette.log")
        command = datasette_command(str(db), "127.0.0.1", self.port)
        for name, value in (settings or {}).items():  # e.g. trace_debug, to see which SQL a page runs
            command += ["--setting", name, value]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **env})
        self._wait_until_up()

    def _wait_until_up(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"datasette exited: {self.log.read_text(errors='replace')[-3000:]}")
            try:
                if requests.get(f"{self.url}/-/versions.json", timeout=2).ok:
                    return
            except requests.ConnectionError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"datasette did not answer in {timeout}s: {self.log.read_text(errors='replace')[-3000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

"""Status, full sessions, registration deadline, audience and place read from page text."""
from datetime import date

import pytest

from crawler.textinfo import audience, is_full, place, registration_deadline, status_from_text

REF = date(2025, 1, 10)


@pytest.mark.parametrize("text, status", [
    ("ANNULÉ", "cancelled"),
    ("La journée d'étude du 5 mars est annulée en raison des grèves.", "cancelled"),
    ("Formations annulées", "cancelled"),
    ("Annulation de la formation « Protéger ses données » prévue le 12 mars.", "cancelled"),
    ("Reporté à une date ultérieure", "postponed"),
    ("Report de la journée au 12 juin.", "postponed"),
    ("Nouvelle date : 5 juin 2025", "postponed"),
    ("La rencontre est décalée au jeudi suivant.", "postponed"),
    # a postponement keeps the session alive, so it wins over the cancellation
    ("ANNULÉ – reporté à une date ultérieure", "postponed"),
    ("Journée d'étude du 5 mars 2025, 9h30-16h30, médiathèque de Riom.", "scheduled"),
    # negatives: a full session, a cancellation policy, a condition, "reportez-vous"
    ("COMPLET", "scheduled"),
    ("Annulation possible jusqu'à 8 jours avant la formation.", "scheduled"),
    ("Conditions d'annulation : voir le règlement de formation.", "scheduled"),
    ("La formation sera annulée si moins de 6 personnes sont inscrites.", "scheduled"),
    ("Pour le détail, reportez-vous au programme.", "scheduled"),
    ("La formation pourra être reportée en cas d'intempéries.", "scheduled"),
    ("Elle peut être annulée faute de participants.", "scheduled"),
    # a negation near the news does not hide it
    ("ANNULÉ : la formation ne peut pas avoir lieu.", "cancelled"),
])
def test_status_from_text(text, status):
    assert status_from_text(text) == status


@pytest.mark.parametrize("text, full", [
    ("COMPLET", True),
    ("Journée d'étude — complet", True),
    ("[Complet] Atelier RGPD en bibliothèque", True),
    ("Cette session est complète, inscription sur liste d'attente.", True),
    ("La formation affiche complet.", True),
    ("Il n'y a plus de places disponibles.", True),
    ("Le programme complet est en ligne.", False),
    ("Télécharger le dossier complet (PDF)", False),
    ("Une séance complète est consacrée aux arnaques en ligne.", False),
    ("Journée complète, repas tiré du sac.", False),
    ("Formation annulée", False),
])
def test_is_full(text, full):
    assert is_full(text) is full


@pytest.mark.parametrize("text, deadline", [
    ("Inscription avant le 12 mars.", date(2025, 3, 12)),
    ("Date limite d'inscription : 05/02/2025", date(2025, 2, 5)),
    ("Inscriptions jusqu'au 3 juin auprès de la BD.", date(2025, 6, 3)),
    ("Clôture des inscriptions le 20 mai 2025.", date(2025, 5, 20)),
    ("Les inscriptions sont ouvertes jusqu'au 15 février 2025.", date(2025, 2, 15)),
    ("Inscription obligatoire avant le 1er avril auprès du service formation.", date(2025, 4, 1)),
    ("DATE LIMITE DES INSCRIPTIONS : vendredi 7 mars 2025", date(2025, 3, 7)),
    # the session date is not a deadline
    ("Inscription sur le site. Journée le 5 juin 2025.", None),
    ("Inscription avant la fin du mois.", None),
])
def test_registration_deadline(text, deadline):
    assert registration_deadline(text, REF) == deadline


@pytest.mark.parametrize("text, expected", [
    ("Public : bibliothécaires salariés et bénévoles\nLieu : Médiathèque de Riom",
     "bibliothécaires salariés et bénévoles"),
    ("PUBLIC CONCERNÉ : Tout public", "Tout public"),
    ("Pour qui ? Bénévoles du réseau", None),
    ("Pour qui ? : Bénévoles du réseau", "Bénévoles du réseau"),
    ("Cette formation s'adresse aux bénévoles des bibliothèques du réseau.", "bénévoles des bibliothèques du réseau"),
    ("Journée réservée aux agents des bibliothèques de l'Allier", "agents des bibliothèques de l'Allier"),
    ("Public : responsables de bibliothèques du réseau. Intervenante : bibliothécaire référente.",
     "responsables de bibliothèques du réseau"),
    ("DUREE 2H. PUBLIC : SENIORS. SANS INSCRIPTION.", "SENIORS"),
    ("Le public a apprécié la présentation.", None),
])
def test_audience(text, expected):
    assert audience(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Public : bibliothécaires\r\nLieu : Médiathèque de Riom\r\n", "Médiathèque de Riom"),
    ("LIEU : Bibliothèque départementale du Cantal, Aurillac", "Bibliothèque départementale du Cantal, Aurillac"),
    ("📍 Bibliothèque départementale, Bourg-en-Bresse", "Bibliothèque départementale, Bourg-en-Bresse"),
    ("Rendez-vous à la médiathèque de Saint-Flour le 5 juin à 9h.", "médiathèque de Saint-Flour"),
    ("La formation se tiendra dans la salle polyvalente de la BD, de 9h à 17h.", "salle polyvalente de la BD"),
    ("Il faut aller à la plage.", None),
    # a common noun is no venue: "vie privée à la maison", "dans l'espace public"
    ("Objets connectés et vie privée à la maison", None),
    ("Ciné-débat : surveillance algorithmique dans l'espace public", None),
])
def test_place(text, expected):
    assert place(text) == expected

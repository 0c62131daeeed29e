"""The workshop topics the kiosk offers, and how a session is described to a tenant.

Topic ids are the hub's (`hub/rules.py` TOPIC_KINDS). Labels are French msgids marked N_():
the screens translate them at display time. The describing functions take the language, so a
KV rule that passes `app.language` re-evaluates on a live language switch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kiosk.i18n import N_, translate
from kiosk.receipts import plain_date, plain_time

PICTURES = Path(__file__).resolve().parent.parent / "assets" / "pictures"


@dataclass(frozen=True)
class Topic:
    id: str
    kind: str          # "general" (digital basics) or "specific" (the landlord's online services)
    label: str         # msgid: what the workshop is about, as a tenant would say it
    description: str   # msgid: one short sentence of what you will do there
    picture: str       # absolute path of assets/pictures/topic-<id>.png

    @property
    def heading(self) -> str:
        return KIND_HEADINGS[self.kind]


def _topic(id: str, kind: str, label: str, description: str) -> Topic:  # noqa: A002 - the hub's name
    return Topic(id, kind, label, description, str(PICTURES / f"topic-{id}.png"))


TOPICS: dict[str, Topic] = {t.id: t for t in (
    _topic("email", "general",
           N_("Créer et utiliser une adresse e-mail"),
           N_("Ouvrir votre boîte e-mail. Lire et envoyer des messages.")),
    _topic("internet", "general",
           N_("Aller sur Internet"),
           N_("Chercher une information. Remplir un formulaire en ligne.")),
    _topic("office", "general",
           N_("Écrire un courrier et l'imprimer"),
           N_("Écrire une lettre sur l'ordinateur. L'enregistrer. L'imprimer.")),
    _topic("portal", "specific",
           N_("Utiliser votre espace locataire"),
           N_("Voir vos documents. Payer le loyer. Faire une demande.")),
    _topic("housing_request", "specific",
           N_("Demander un logement ou changer de logement"),
           N_("Remplir la demande sur Internet. Savoir quels papiers donner.")),
    _topic("exchange", "specific",
           N_("Échanger votre logement avec un autre locataire"),
           N_("Utiliser le site d'échange de logements.")),
)}

# The two kinds of workshop (DESIGN.md), as the topic screen's headings say them.
KIND_HEADINGS = {
    "general": N_("Pour débuter avec l'ordinateur"),
    "specific": N_("Pour vos démarches de locataire"),
}
KINDS = ("general", "specific")

FORMATS = {
    "individual": N_("Individuel : vous et un animateur"),
    "group": N_("En groupe"),
}

LANGUAGE_NAMES = {
    "fr": N_("En français"),
    "en": N_("En anglais"),
    "es": N_("En espagnol"),
    "pt": N_("En portugais"),
}


def topics_of_kind(kind: str) -> list[Topic]:
    return [t for t in TOPICS.values() if t.kind == kind]


def topic_label(topic_id: str, language: str) -> str:
    topic = TOPICS.get(topic_id)
    return translate(topic.label, language) if topic else topic_id


def seats_text(session, language: str) -> str:
    """Seats left in words; a full session says the tenant goes on the waiting list."""
    left = session.seats_left
    if left is None:
        return ""
    if left <= 0:
        return translate(N_("Complet : vous serez sur liste d'attente."), language)
    if session.format == "individual":
        return translate(N_("Place libre"), language)
    if left == 1:
        return translate(N_("Plus qu'une place"), language)
    if left <= 3:
        return translate(N_("Plus que {n} places"), language).format(n=left)
    return translate(N_("{n} places libres"), language).format(n=left)


def when_text(session, language: str) -> str:
    """"Mardi 3 décembre, 14 h 30", capitalised as the first words of a line; the time holds
    together on one line at any text size ("14 h 30", "2:30 pm", no-break spaces)."""
    when = session.starts_at
    time = plain_time(when, language).replace(" ", "\u00a0")
    text = f"{plain_date(when, language)}, {time}"
    return text[:1].upper() + text[1:]


def where_text(session, language: str) -> str:
    """The place, and the agency when the place does not already name it."""
    place, agency = session.place.strip(), session.agency.strip()
    if not agency or agency.casefold() in place.casefold():
        return place
    return translate(N_("{place} (agence {agency})"), language).format(place=place, agency=agency)


def details_text(session, language: str) -> str:
    """Format, language when it is not the tenant's, seats left: one line, separated by dots."""
    parts = [translate(FORMATS[session.format], language)] if session.format in FORMATS else []
    if session.language and session.language != language and session.language in LANGUAGE_NAMES:
        parts.append(translate(LANGUAGE_NAMES[session.language], language))
    seats = seats_text(session, language)
    if seats:
        parts.append(seats)
    return " · ".join(parts)

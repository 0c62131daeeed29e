"""What the always-visible bars say, in plain French (the msgids), translated when shown.

A no-break space (\\u00a0) goes before "?", "!" and ":", as French wants: the sign never
starts a line on its own when the text is large."""

from __future__ import annotations

from kiosk.i18n import N_, translate

# Each language offered, named in itself: a visitor who does not read French finds their own.
LANGUAGE_NAMES = {"fr": "Français", "en": "English", "es": "Español", "pt": "Português"}

# Each state of an agent call, as the call bar says it beside the button; {name}: the agent.
CALL_MESSAGES = {
    "": "",
    "queued": N_("Votre appel part. Attendez un peu, s'il vous plaît."),
    "sent": N_("Votre appel est arrivé. Un agent va le voir."),
    "acknowledged": N_("Un agent a vu votre appel. Il arrive."),
    "acknowledged_named": N_("{name} a vu votre appel. {name} arrive."),
    "resolved": N_("Votre appel est terminé."),
    # "l'accueil de l'agence", not "l'accueil": the home button is called "Accueil" too.
    "expired": N_("Personne n'a pu recevoir votre appel. Allez à l'accueil de l'agence."),
    "unreachable": N_("La borne ne peut pas joindre les agents. "
                      "Allez à l'accueil de l'agence\u00a0: on vous aidera."),
    "failed": N_("La borne a un problème. Allez à l'accueil de l'agence\u00a0: on vous aidera."),
}
# Put before the state's message when the visitor touches the button again during a call.
ALREADY_CALLED = {
    "queued": N_("Votre appel est déjà parti."),
    "sent": N_("Votre appel est déjà parti."),
    "acknowledged": N_("Votre appel est déjà parti."),
    "unreachable": N_("Votre appel est déjà enregistré."),
}


def call_message(state: str, agent_first_name: str = "", language: str = "fr", *,
                 repeated: bool = False) -> str:
    """What the call bar says for a call in that state, in that language."""
    key = "acknowledged_named" if state == "acknowledged" and agent_first_name else state
    text = translate(CALL_MESSAGES.get(key, ""), language).format(name=agent_first_name)
    if repeated and state in ALREADY_CALLED:
        text = f"{translate(ALREADY_CALLED[state], language)} {text}"
    return text


def network_message(online: bool | None, waiting: int, language: str = "fr") -> str:
    """'En ligne', 'Hors ligne' or 'Connexion…' (not known yet), with the actions waiting to be sent."""
    state = translate({True: N_("En ligne"), False: N_("Hors ligne")}.get(online, N_("Connexion…")),
                      language)
    if waiting == 1:
        one = translate(N_("1 demande en attente d'envoi"), language)
        return f"{state} · {one}"
    if waiting > 1:
        count = translate(N_("{count} demandes en attente d'envoi"), language).format(count=waiting)
        return f"{state} · {count}"
    return state

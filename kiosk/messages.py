"""Plain-French texts for what the always-visible bars say (network state, an agent call)."""

# Each state of an agent call, as the call bar says it beside the button.
CALL_MESSAGES = {
    "": "",
    "queued": "Votre appel est en cours d'envoi.",
    "sent": "Votre appel est arrivé. Un agent va le voir.",
    "acknowledged": "Un agent a vu votre appel. Il arrive.",
    "resolved": "Votre appel est terminé.",
    "expired": "Personne n'a pu recevoir votre appel. Allez à l'accueil, s'il vous plaît.",
    "unreachable": "La borne ne peut pas joindre les agents en ce moment. "
                   "Allez à l'accueil : on vous aidera.",
    "failed": "La borne a un problème. Allez à l'accueil : on vous aidera.",
}


def call_message(state: str, agent_first_name: str) -> str:
    if state == "acknowledged" and agent_first_name:
        return f"{agent_first_name} a vu votre appel. {agent_first_name} arrive."
    return CALL_MESSAGES.get(state, "")


def network_message(online: bool | None, waiting: int) -> str:
    """'En ligne', 'Hors ligne' or 'Connexion…' (not known yet), with the actions waiting to be sent."""
    state = {True: "En ligne", False: "Hors ligne"}.get(online, "Connexion…")
    if waiting == 1:
        return f"{state} · 1 demande en attente d'envoi"
    if waiting > 1:
        return f"{state} · {waiting} demandes en attente d'envoi"
    return state

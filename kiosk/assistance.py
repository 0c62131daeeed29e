"""The visitor's call for an agent: at most one open call, its live state, and what to say.

Plain Python (no Kivy). The app feeds it the touches, the sync worker's news and the network
state, and shows `message(language)` in the call bar. A call sends
`{"language", "screen", "reason"}`: `reason` says where the tenant is (the screen and the step
of its journey, never anything typed) so the agent knows what help to bring.
"""

from __future__ import annotations

import logging
from typing import Callable

from kiosk.messages import call_message
from kiosk.outbox import OutboxError

log = logging.getLogger(__name__)

# A call on its way or answered: a second touch must not send another one.
OPEN_STATES = frozenset({"queued", "sent", "acknowledged", "unreachable"})

# For the agents' console (in French, like the agents): what the visitor was doing.
SCREEN_REASONS = {
    "home": "Page d'accueil de la borne",
    "account": "Aide pour l'espace locataire",
    "booking": "Inscription à un atelier",
    "cancel": "Annulation d'une inscription",
}
REASON_MAX = 200   # the hub refuses longer reasons


def reason_for(screen: str, step: str | None = None) -> str:
    """'Inscription à un atelier (étape : review)': the screen, and the journey step if any."""
    label = SCREEN_REASONS.get(screen, f"Écran « {screen} »")
    if step:
        label = f"{label} (étape : {step})"
    return label[:REASON_MAX]


class Assistance:
    """One visitor's call: id, state, agent's first name. `reset()` forgets it (the wipe)."""

    def __init__(self, submit: Callable[[str, dict], object]):
        self._submit = submit          # services.submit: queues durably, raises OutboxError
        self.call_id: str | None = None
        self.state = ""                # "", queued, sent, acknowledged, resolved, expired, unreachable, failed
        self.agent_name = ""
        self.repeated = False          # touched again while the call was open

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def call(self, *, screen: str, language: str, step: str | None = None,
             online: bool | None = None) -> bool:
        """The button was touched: queue a call at once, unless one is already open.
        Returns True when a new call was queued."""
        if self.is_open:
            self.repeated = True
            return False
        payload = {"language": language, "screen": screen, "reason": reason_for(screen, step)}
        self.repeated = False
        self.agent_name = ""
        try:
            action = self._submit("assistance_call", payload)
        except OutboxError:
            log.exception("could not queue an assistance call")
            self.call_id = None
            self.state = "failed"
            return False
        self.call_id = action.id
        # Known offline: say so at once and point to the desk; the outbox still sends it later.
        self.state = "unreachable" if online is False else "queued"
        return True

    def update(self, call_id: str, status: str, agent_first_name: str | None,
               online: bool | None = None) -> bool:
        """News from the sync worker; False (and nothing changes) when it is not this call."""
        if self.call_id is None or call_id != self.call_id:
            return False
        if status == "queued" and online is False:
            status = "unreachable"
        if status != self.state:
            self.repeated = False
        self.state = status
        self.agent_name = agent_first_name or ""
        return True

    def network_changed(self, online: bool | None) -> bool:
        """A call not sent yet follows the network: unreachable offline, on its way online."""
        before = self.state
        if self.state == "queued" and online is False:
            self.state = "unreachable"
        elif self.state == "unreachable" and online is True:
            self.state = "queued"
        if self.state != before:
            self.repeated = False
        return self.state != before

    def message(self, language: str) -> str:
        """What the call bar says now, in the visitor's language."""
        return call_message(self.state, self.agent_name, language, repeated=self.repeated)

    def reset(self) -> None:
        """Forget this visitor's call (the agent still comes: the call stays at the hub)."""
        self.call_id = None
        self.state = ""
        self.agent_name = ""
        self.repeated = False

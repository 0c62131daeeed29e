"""The visitor's call for an agent, without a window: one call at a time, its live state, what
the call bar says, and the wipe."""

import uuid
from dataclasses import dataclass

import pytest

from hub.models import AssistanceCallPayload
from kiosk.assistance import REASON_MAX, Assistance, reason_for
from kiosk.outbox import EnqueueFailed


@dataclass
class Queued:
    id: str


class FakeOutbox:
    """services.submit's contract: queue durably and return the action, or raise EnqueueFailed."""

    def __init__(self):
        self.actions: list[tuple[str, dict]] = []
        self.failing = False

    def submit(self, type: str, payload: dict) -> Queued:
        if self.failing:
            raise EnqueueFailed("disk full")
        self.actions.append((type, payload))
        return Queued(str(uuid.uuid4()))


@pytest.fixture
def outbox():
    return FakeOutbox()


@pytest.fixture
def call(outbox):
    return Assistance(outbox.submit)


def test_one_touch_queues_a_call_with_screen_journey_step_and_language(call, outbox):
    assert call.call(screen="booking", step="review", language="es", online=True)
    assert outbox.actions == [("assistance_call", {
        "language": "es", "screen": "booking", "reason": "Inscription à un atelier (étape : review)"})]
    assert call.state == "queued"
    assert call.message("fr") == "Votre appel part. Attendez un peu, s'il vous plaît."


def test_payload_is_one_the_hub_accepts(call, outbox):
    call.call(screen="some_new_screen", step="x" * 500, language="pt")
    payload = outbox.actions[0][1]
    assert len(payload["reason"]) <= REASON_MAX
    AssistanceCallPayload.model_validate(payload)   # the hub's own rules


def test_second_touch_while_the_call_is_open_sends_nothing_and_says_so(call, outbox):
    call.call(screen="home", language="fr", online=True)
    call.update(call.call_id, "sent", None)
    assert not call.call(screen="home", language="fr", online=True)
    assert len(outbox.actions) == 1
    assert call.message("fr") == ("Votre appel est déjà parti. "
                                  "Votre appel est arrivé. Un agent va le voir.")


def test_live_state_goes_sent_then_seen_then_the_agent_by_name(call):
    call.call(screen="home", language="fr", online=True)
    call.update(call.call_id, "sent", None)
    assert call.message("fr") == "Votre appel est arrivé. Un agent va le voir."
    call.update(call.call_id, "acknowledged", None)
    assert call.message("fr") == "Un agent a vu votre appel. Il arrive."
    call.update(call.call_id, "acknowledged", "Marie")
    assert call.message("fr") == "Marie a vu votre appel. Marie arrive."
    assert (call.state, call.agent_name) == ("acknowledged", "Marie")


def test_news_about_another_call_changes_nothing(call):
    call.call(screen="home", language="fr", online=True)
    assert not call.update(str(uuid.uuid4()), "acknowledged", "Paul")
    assert call.state == "queued"


def test_offline_call_points_to_the_reception_desk_at_once_and_stays_queued(call, outbox):
    assert call.call(screen="cancel", language="fr", online=False)
    assert call.state == "unreachable"
    assert "Allez à l'accueil de l'agence" in call.message("fr")
    assert len(outbox.actions) == 1                 # the outbox sends it when the hub is back
    assert not call.call(screen="cancel", language="fr", online=False)
    assert call.message("fr").startswith("Votre appel est déjà enregistré.")


def test_worker_saying_queued_while_offline_means_unreachable(call):
    call.call(screen="home", language="fr", online=None)
    call.update(call.call_id, "queued", None, online=False)
    assert call.state == "unreachable"


def test_call_follows_the_network_until_it_is_sent(call):
    call.call(screen="home", language="fr", online=True)
    assert call.network_changed(False) and call.state == "unreachable"
    assert call.network_changed(True) and call.state == "queued"
    call.update(call.call_id, "sent", None)
    assert not call.network_changed(False) and call.state == "sent"


def test_expired_call_says_so_and_a_new_call_may_be_sent(call, outbox):
    call.call(screen="home", language="fr", online=False)
    call.update(call.call_id, "expired", None)
    assert call.message("fr") == ("Personne n'a pu recevoir votre appel. "
                                  "Allez à l'accueil de l'agence.")
    assert call.call(screen="home", language="fr", online=True)
    assert len(outbox.actions) == 2


def test_resolved_call_allows_a_new_one(call, outbox):
    call.call(screen="home", language="fr", online=True)
    call.update(call.call_id, "resolved", None)
    assert call.message("fr") == "Votre appel est terminé."
    assert call.call(screen="home", language="fr", online=True)


def test_kiosk_that_cannot_queue_says_so_and_lets_the_visitor_try_again(call, outbox):
    outbox.failing = True
    assert not call.call(screen="home", language="fr", online=True)
    assert call.state == "failed"
    assert "Allez à l'accueil de l'agence" in call.message("fr")
    outbox.failing = False
    assert call.call(screen="home", language="fr", online=True)
    assert call.state == "queued"


def test_reset_forgets_the_call_and_ignores_its_later_news(call):
    call.call(screen="home", language="fr", online=True)
    old_id = call.call_id
    call.update(old_id, "acknowledged", "Marie")
    call.reset()
    assert (call.call_id, call.state, call.agent_name, call.message("fr")) == (None, "", "", "")
    assert not call.update(old_id, "acknowledged", "Marie")
    assert call.state == ""


def test_reason_names_the_journey_in_plain_french_for_agents():
    assert reason_for("account", "existing_account") == \
        "Aide pour l'espace locataire (étape : existing_account)"
    assert reason_for("home") == "Page d'accueil de la borne"
    assert reason_for("agent_mode") == "Écran « agent_mode »"

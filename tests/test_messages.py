"""What the status bars say, in plain French."""

import pytest

from kiosk.messages import call_message, network_message


@pytest.mark.parametrize("online, waiting, expected", [
    (None, 0, "Connexion…"),
    (True, 0, "En ligne"),
    (False, 1, "Hors ligne · 1 demande en attente d'envoi"),
    (False, 3, "Hors ligne · 3 demandes en attente d'envoi"),
])
def test_network_message_says_state_and_what_waits(online, waiting, expected):
    assert network_message(online, waiting) == expected


def test_acknowledged_call_names_the_agent():
    assert call_message("acknowledged", "Marie") == "Marie a vu votre appel. Marie arrive."


def test_acknowledged_call_without_a_name_still_says_someone_comes():
    assert call_message("acknowledged", "") == "Un agent a vu votre appel. Il arrive."


def test_unreachable_call_points_to_the_reception_desk():
    assert "Allez à l'accueil" in call_message("unreachable", "")

"""The hub's name rules on the case table the kiosk's validator is aligned with.

The kiosk checks names before queueing a booking or an account request; whatever it lets
through, the hub must accept, or the tenant's confirmed action would come back rejected.
"""

import pytest

from hub.rules import RuleError, check_name

ACCEPTED = [
    ("Élodie", "Élodie"),
    ("N'Diaye", "N'Diaye"),
    ("Saint-Exupéry", "Saint-Exupéry"),
    ("Nguyễn", "Nguyễn"),
    ("Müller", "Müller"),
    ("محمد", "محمد"),
    ("Ольга", "Ольга"),
    ("王小明", "王小明"),
    ("Pu·ig", "Pu·ig"),                  # middle dot (Catalan l·l) is allowed anywhere
    ("Jean  Pierre", "Jean  Pierre"),    # kept as typed: inner spaces are not collapsed
    ("O’Brien", "O’Brien"),              # typographic apostrophe kept, not turned into '
    ("Ma.", "Ma."),
    ("Mary-Ann O'Neil", "Mary-Ann O'Neil"),
]

REFUSED = [
    ("Zoe\ufe0f", "no emoji"),           # variation selector
    ("Ana\u20dd", "no emoji"),           # enclosing mark (Me): a symbol, not an accent
    ("J3an", "digits"),
    ("Marie 😀", "no emoji"),
    ("'", "at least one letter"),
    ("-", "at least one letter"),
    ("  ", "1 to 80 characters"),      # blank after stripping
]


@pytest.mark.parametrize("name, stored", ACCEPTED, ids=[n for n, _ in ACCEPTED])
def test_accepted_names(name, stored):
    assert check_name(name) == stored


@pytest.mark.parametrize("name, reason", REFUSED, ids=[ascii(n) for n, _ in REFUSED])
def test_refused_names(name, reason):
    with pytest.raises(RuleError) as refused:
        check_name(name)
    assert refused.value.code == "invalid_name"
    assert reason in refused.value.message

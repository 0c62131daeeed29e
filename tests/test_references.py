"""Booking references: easy to copy, typos caught, the same action id on every kiosk."""

from __future__ import annotations

import re
import uuid

import pytest

from kiosk import references
from kiosk.references import ALPHABET, action_id_for, new_reference, normalize_reference

SAMPLES = ["K7M4QX2P9", "000000000", "ZZZZZZZZZ", "123456789", "ABCDEFGHJ", "Z0Z0Z0Z0Z", "9XW3HN0KM"]
DISPLAY = re.compile(r"[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}")


def _reference(payload: str) -> str:
    symbols = payload + references.check_symbol(payload)
    return f"{symbols[:5]}-{symbols[5:]}"


def test_new_reference_is_five_dash_five_crockford_symbols():
    for _ in range(200):
        assert DISPLAY.fullmatch(new_reference())


def test_new_reference_round_trips():
    for _ in range(500):
        reference = new_reference()
        assert normalize_reference(reference) == reference


def test_new_references_are_random():
    assert len({new_reference() for _ in range(1000)}) == 1000


def test_alphabet_is_crockfords():
    assert ALPHABET == "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    assert not set("ILOU") & set(ALPHABET)


def test_check_symbol_is_one_of_the_plain_symbols():
    # So a tenant never has to find * ~ $ = or U on the keyboard.
    for _ in range(500):
        assert new_reference()[-1] in ALPHABET


@pytest.mark.parametrize("payload", SAMPLES)
def test_every_single_symbol_substitution_is_detected(payload):
    symbols = (payload + references.check_symbol(payload))
    for position in range(8):
        for wrong in ALPHABET:
            if wrong == symbols[position]:
                continue
            typo = symbols[:position] + wrong + symbols[position + 1:]
            assert normalize_reference(typo) is None, typo


@pytest.mark.parametrize("payload", SAMPLES)
def test_every_adjacent_transposition_is_detected(payload):
    symbols = payload + references.check_symbol(payload)
    for position in range(7):
        a, b = symbols[position], symbols[position + 1]
        if a == b:
            continue
        typo = symbols[:position] + b + a + symbols[position + 2:]
        assert normalize_reference(typo) is None, typo


def test_every_substitution_and_transposition_is_detected_for_random_references():
    for _ in range(50):
        symbols = new_reference().replace("-", "")
        for position in range(8):
            for wrong in ALPHABET.replace(symbols[position], ""):
                assert normalize_reference(
                    symbols[:position] + wrong + symbols[position + 1:]) is None
        for position in range(7):
            a, b = symbols[position:position + 2]
            if a != b:
                assert normalize_reference(
                    symbols[:position] + b + a + symbols[position + 2:]) is None


def _valid_sample() -> str:
    return _reference("K7M4QX2P9")


@pytest.mark.parametrize("write", [
    lambda r: r,
    lambda r: r.lower(),
    lambda r: r.replace("-", ""),
    lambda r: r.replace("-", " ").lower(),
    lambda r: " " + r[:2] + " " + r[2:] + " ",
    lambda r: "-".join(r.replace("-", "")),
    lambda r: r.replace("-", "\t"),
])
def test_tolerant_input_for_case_spaces_and_hyphens(write):
    reference = _valid_sample()
    assert normalize_reference(write(reference)) == reference


def test_o_i_l_read_as_zero_and_one():
    reference = _reference("101010101")
    assert normalize_reference("1o1o 1O1o1" + reference[-1]) == reference
    assert normalize_reference("iO1O-" + "l01o1" + reference[-1]) == reference
    assert normalize_reference("Lo1o " + "101O1" + reference[-1].lower()) == reference


def test_sample_reference_from_the_design_is_readable():
    # The kind of writing a tenant brings back on paper, e.g. "k7m4q x2p9n".
    sample = _valid_sample()
    assert sample.startswith("K7M4Q-X2P9")
    assert normalize_reference(sample.lower().replace("-", " ")) == sample
    assert normalize_reference(sample.replace("-", "")) == sample


@pytest.mark.parametrize("typed", [
    "", "   ", "-", "K7M4-QX2P", "K7M4Q-X2P9NN", "K7M4QX2P9NK7", "K7M4Q-X2P9U", "K7M4Q-X2P9*",
    "K7M4Q-X2P9É", "ÀBCDE-FGHJK", "K7M4Q_X2P9N",
])
def test_wrong_length_or_unknown_symbol_gives_none(typed):
    assert normalize_reference(typed) is None


def test_not_a_string_gives_none():
    assert normalize_reference(None) is None  # type: ignore[arg-type]


def test_action_id_is_a_uuid5_of_the_normalised_reference():
    reference = _valid_sample()
    action_id = action_id_for(reference)
    assert uuid.UUID(action_id).version == 5
    assert action_id == str(uuid.uuid5(references.NAMESPACE, reference))


def test_action_id_is_the_same_however_the_reference_is_typed():
    reference = _valid_sample()
    assert action_id_for(reference.lower().replace("-", " ")) == action_id_for(reference)


def test_action_id_namespace_never_changes():
    # Changing it would make every booking made before impossible to cancel by reference.
    assert references.NAMESPACE == uuid.UUID("3b1f6c52-9d0e-5a47-8c21-6e4f0b7d9a18")
    assert action_id_for(_reference("000000000")) == str(
        uuid.uuid5(uuid.UUID("3b1f6c52-9d0e-5a47-8c21-6e4f0b7d9a18"), _reference("000000000")))


def test_different_references_name_different_actions():
    ids = {action_id_for(new_reference()) for _ in range(500)}
    assert len(ids) == 500


def test_action_id_refuses_a_reference_with_a_typo():
    symbols = _valid_sample().replace("-", "")
    typo = symbols[:3] + ("0" if symbols[3] != "0" else "1") + symbols[4:]
    with pytest.raises(ValueError):
        action_id_for(typo)

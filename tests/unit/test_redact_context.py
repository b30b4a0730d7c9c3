"""The strict-screen policy names only states and slot values the shipped flows have."""

from __future__ import annotations

from vpnfsm.flows.registry import FLOWS
from vpnfsm.redact import screen_for
from vpnfsm.redact.context import ERROR_CODE_STATES, STRICT_FACTS, STRICT_STATES


def test_every_strict_state_exists_in_a_shipped_flow() -> None:
    states = {name for spec in FLOWS.values() for name in spec.state_names}
    assert states >= STRICT_STATES, STRICT_STATES - states
    assert states >= ERROR_CODE_STATES, ERROR_CODE_STATES - states


def test_every_strict_fact_is_a_slot_value_a_flow_can_hold() -> None:
    from vpnfsm.nlp.model import ENTITY_FIELDS

    slots = set(ENTITY_FIELDS) | {slot for spec in FLOWS.values() for slot in spec.slots}
    vocabulary = {
        (slot, value) for spec in FLOWS.values() for slot, values in spec.vocabulary.items() for value in values
    }
    for slot, value in STRICT_FACTS:
        assert slot in slots, slot
        if slot not in ENTITY_FIELDS:  # flow vocabulary slots: the value must be declared
            assert (slot, value) in vocabulary, (slot, value)


def test_screen_is_strict_for_sign_in_questions_and_code_trouble() -> None:
    assert screen_for(state="PWD_ASK_RECOVERY", slots={}, after_cue=False).strict
    assert screen_for(state="VPN_ASK_OS", slots={"symptom": "mfa"}, after_cue=False).strict
    assert not screen_for(state="VPN_ASK_ERROR_CODE", slots={"symptom": "cannot_connect"}, after_cue=False).strict
    assert screen_for(state=None, slots={}, after_cue=True).after_cue


def test_an_error_code_answer_is_kept_even_in_a_sign_in_conversation() -> None:
    from vpnfsm.redact import redact

    screen = screen_for(state="VPN_ASK_ERROR_CODE", slots={"symptom": "auth_failure"}, after_cue=False)
    assert screen.strict
    assert not screen.strict_digits
    assert redact("13801", screen=screen) == "13801"
    assert redact("the code from my authenticator is 482913", screen=screen).endswith("[one-time code]")

"""Session.assign: several fields in one step, same result as attribute by attribute."""

from __future__ import annotations

import pytest

from vpnfsm.session import Session


def test_assign_equals_setting_each_attribute_and_round_trips() -> None:
    one = Session.start("s-1", tenant="acme", now=10.0)
    other = one.model_copy(deep=True)
    one.assign(state="VPN_ASK_OS", turns=3, slots={"os": "macos"}, updated_at=12.5)
    other.state, other.turns, other.slots, other.updated_at = "VPN_ASK_OS", 3, {"os": "macos"}, 12.5
    assert one == other
    assert one.dump_json() == other.dump_json()
    assert Session.load_json(one.dump_json()) == one
    assert {"state", "turns", "slots", "updated_at"} <= one.model_fields_set


def test_an_unknown_field_is_refused_and_nothing_is_set() -> None:
    session = Session.start("s-2", tenant="acme", now=1.0)
    with pytest.raises(AttributeError, match="statee"):
        session.assign(turns=5, statee="X")
    assert session.turns == 0

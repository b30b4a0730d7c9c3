"""A deploy that changes a flow: running sessions move by mapping, stay on the old one, or restart."""

from __future__ import annotations

import dataclasses

import pytest

from tests.flow_support import ScriptedExtractor, rename_state
from vpnfsm import Assistant, Extraction, MemoryStore
from vpnfsm._turn import FLOW_UPDATED
from vpnfsm.flows import registry
from vpnfsm.flows.vpn import VPN_FLOW
from vpnfsm.verify import verify_flow

V1 = VPN_FLOW
RENAMED = rename_state(V1, "VPN_ASK_CLIENT", "VPN_ASK_VPN_APP")


def _start_on_v1(store: MemoryStore, extractor: ScriptedExtractor) -> str:
    old = Assistant(extractor=extractor, flows={"vpn": V1}, store=store)
    extractor.push(Extraction(intent="vpn"))
    sid = old.handle("the vpn is broken").session_id
    extractor.push(Extraction(intent="vpn", os="windows"))
    reply = old.handle("Windows 11", sid)
    assert reply.state == "VPN_ASK_CLIENT"
    return sid


def test_session_saved_mid_flow_moves_by_mapping_and_finishes() -> None:
    v2 = dataclasses.replace(RENAMED, migrations={V1.version: {"VPN_ASK_CLIENT": "VPN_ASK_VPN_APP"}})
    assert v2.version != V1.version
    assert verify_flow(v2, previous=(V1,)).ok
    store, extractor = MemoryStore(), ScriptedExtractor()
    sid = _start_on_v1(store, extractor)

    new = Assistant(extractor=extractor, flows={"vpn": v2}, store=store)
    extractor.push(Extraction(intent="vpn", client="globalprotect"))
    reply = new.handle("GlobalProtect", sid)
    # The answer is read in the context of the question the user saw (the old
    # state), then the session moves to the mapped state and steps on.
    assert extractor.contexts[-1] == "VPN_ASK_CLIENT"
    assert reply.state == "VPN_ASK_SYMPTOM"
    assert reply.slots["os"] == "windows"
    assert reply.slots["client"] == "globalprotect"
    session = store.load(sid, tenant="default")
    assert session is not None
    assert session.flow_version == v2.version

    extractor.push(Extraction(intent="vpn", symptom="cannot_connect"))
    assert new.handle("it won't connect", sid).state == "VPN_ASK_ERROR_CODE"
    extractor.push(Extraction(intent="vpn", dont_know=True))
    assert new.handle("there's no code", sid).state == "VPN_CHECK_RESULT"
    extractor.push(Extraction(intent="vpn", result="worked"))
    final = new.handle("yes, fixed", sid)
    assert (final.state, final.outcome) == ("VPN_RESOLVED", "resolved")


def test_mapped_state_is_asked_in_the_new_declaration() -> None:
    v2 = dataclasses.replace(RENAMED, migrations={V1.version: {"VPN_ASK_CLIENT": "VPN_ASK_VPN_APP"}})
    store, extractor = MemoryStore(), ScriptedExtractor()
    sid = _start_on_v1(store, extractor)
    new = Assistant(extractor=extractor, flows={"vpn": v2}, store=store)
    extractor.push(Extraction(intent="vpn"))
    reply = new.handle("hmm", sid)  # a non-answer: re-asked, in the new state
    assert reply.state == "VPN_ASK_VPN_APP"
    extractor.push(Extraction(intent="vpn", client="anyconnect"))
    assert new.handle("AnyConnect", sid).state == "VPN_ASK_SYMPTOM"


def test_session_continues_on_a_registered_previous_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "PREVIOUS_VERSIONS", {"vpn": (V1,)})
    store, extractor = MemoryStore(), ScriptedExtractor()
    sid = _start_on_v1(store, extractor)
    new = Assistant(extractor=extractor, flows={"vpn": RENAMED}, store=store)
    extractor.push(Extraction(intent="vpn", human=True))
    reply = new.handle("get me a person", sid)
    assert reply.state == "VPN_HANDOFF"
    assert reply.handoff
    session = store.load(sid, tenant="default")
    assert session is not None
    assert session.flow_version == V1.version
    # A new conversation starts on the current declaration.
    extractor.push(Extraction(intent="vpn"))
    fresh = new.handle("vpn is down")
    assert store.load(fresh.session_id, tenant="default").flow_version == RENAMED.version  # type: ignore[union-attr]


def test_session_without_mapping_or_old_declaration_restarts_with_a_notice() -> None:
    store, extractor = MemoryStore(), ScriptedExtractor()
    sid = _start_on_v1(store, extractor)
    new = Assistant(extractor=extractor, flows={"vpn": RENAMED}, store=store)
    extractor.push(Extraction(intent="vpn", client="globalprotect"))
    reply = new.handle("GlobalProtect", sid)
    assert reply.reply.startswith(FLOW_UPDATED)
    # Begun again on the current declaration, with what this message said.
    assert reply.state == "VPN_ASK_OS"
    assert reply.slots == {"os": None, "client": "globalprotect", "symptom": None, "error_code": None}
    session = store.load(sid, tenant="default")
    assert session is not None
    assert session.flow_version == RENAMED.version

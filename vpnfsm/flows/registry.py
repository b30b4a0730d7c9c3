"""The flows this package ships, by name, and the intent router."""

from __future__ import annotations

from collections.abc import Mapping

from vpnfsm.flows.spec import FlowSpec
from vpnfsm.flows.vpn import VPN_FLOW

__all__ = ["FLOWS", "flow_for_intent"]

#: Every shipped flow by registry name.
FLOWS: Mapping[str, FlowSpec] = {VPN_FLOW.name: VPN_FLOW}


def flow_for_intent(intent: str, flows: Mapping[str, FlowSpec] = FLOWS) -> FlowSpec | None:
    """The flow that handles ``intent``, or ``None`` when a responder answers it instead."""
    for spec in flows.values():
        if spec.intent == intent:
            return spec
    return None

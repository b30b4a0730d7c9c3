"""The flows this package ships, by name, and the intent router."""

from __future__ import annotations

from collections.abc import Mapping

from vpnfsm.flows.email import EMAIL_FLOW
from vpnfsm.flows.password import PASSWORD_FLOW
from vpnfsm.flows.spec import FlowSpec
from vpnfsm.flows.vpn import VPN_FLOW

__all__ = ["FLOWS", "PREVIOUS_VERSIONS", "flow_for_intent", "previous_version"]

#: Every shipped flow by registry name.
FLOWS: Mapping[str, FlowSpec] = {spec.name: spec for spec in (VPN_FLOW, PASSWORD_FLOW, EMAIL_FLOW)}

#: Earlier declarations still running in stored sessions, by flow name. A
#: session that started on one of these keeps running on it unless the
#: current declaration maps its version in ``migrations``; ``vpnfsm verify``
#: checks those mappings against the declarations listed here. See
#: ``docs/operations.md`` for the deploy procedure.
PREVIOUS_VERSIONS: Mapping[str, tuple[FlowSpec, ...]] = {}


def previous_version(
    name: str, version: str, previous: Mapping[str, tuple[FlowSpec, ...]] = PREVIOUS_VERSIONS
) -> FlowSpec | None:
    """The earlier declaration of flow ``name`` with ``version``, if it is still registered."""
    return next((spec for spec in previous.get(name, ()) if spec.version == version), None)


def flow_for_intent(intent: str, flows: Mapping[str, FlowSpec] = FLOWS) -> FlowSpec | None:
    """The flow that handles ``intent``, or ``None`` when a responder answers it instead."""
    for spec in flows.values():
        if spec.intent == intent:
            return spec
    return None

"""Flow declarations and the registry that maps names and intents to them."""

from vpnfsm.flows.registry import FLOWS, flow_for_intent
from vpnfsm.flows.spec import FlowSpec, Limits, StateSpec

__all__ = ["FLOWS", "FlowSpec", "Limits", "StateSpec", "flow_for_intent"]

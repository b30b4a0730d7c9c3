"""Flow declarations and the registry that maps names and intents to them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vpnfsm.flows.spec import FlowSpec, Limits, StateSpec

if TYPE_CHECKING:
    from vpnfsm.flows.registry import FLOWS, flow_for_intent

__all__ = ["FLOWS", "FlowSpec", "Limits", "StateSpec", "flow_for_intent"]


def __getattr__(name: str) -> object:
    # The registry loads the default content pack, whose loader uses the engine,
    # which uses this package's behaviour module: importing the registry lazily
    # keeps ``import vpnfsm.flows.behaviour`` from needing the pack first.
    if name in ("FLOWS", "flow_for_intent"):
        from vpnfsm.flows import registry

        return getattr(registry, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

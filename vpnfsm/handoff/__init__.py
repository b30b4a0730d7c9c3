"""Handing a case to a person, in layers, and delivering it to the ticket system.

Summary (facts), tags (meaning), Jira bodies (formatting), tenant mapping (translation).

The modules are public: :mod:`~vpnfsm.handoff.summary`, :mod:`~vpnfsm.handoff.tags`,
:mod:`~vpnfsm.handoff.jira`, :mod:`~vpnfsm.handoff.tenants`,
:mod:`~vpnfsm.handoff.delivery` (imports ``httpx``) and :mod:`~vpnfsm.handoff.preview`.
"""

from vpnfsm.handoff.summary import HandoffSummary, build_summary

__all__ = ["HandoffSummary", "build_summary"]

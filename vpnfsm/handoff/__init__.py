"""Handing a case to a person: the summary of facts, and later tags, tickets and delivery."""

from vpnfsm.handoff.summary import HandoffSummary, build_summary

__all__ = ["HandoffSummary", "build_summary"]

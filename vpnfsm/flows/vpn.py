"""The VPN troubleshooting flow: the default pack's ``flows/vpn.toml``, and its state names.

Shape: ask for the missing facts, most valuable first (OS, client, symptom,
error code), skipping every fact already known; give the best steps for what
is known and ask whether they worked in the same reply; one retry with a
different set of steps; then a person takes over. A person can be asked for
at any time, and "start over" begins again (a bounded number of times).
"""

from __future__ import annotations

from vpnfsm.content.pack import default_pack

__all__ = ["MAX_TURNS", "VPN_FLOW"]

START = "VPN_START"
ASK_OS = "VPN_ASK_OS"
ASK_CLIENT = "VPN_ASK_CLIENT"
ASK_SYMPTOM = "VPN_ASK_SYMPTOM"
ASK_ERROR_CODE = "VPN_ASK_ERROR_CODE"
GIVE_STEPS = "VPN_GIVE_STEPS"
CHECK_RESULT = "VPN_CHECK_RESULT"
HANDOFF = "VPN_HANDOFF"
RESOLVED = "VPN_RESOLVED"

#: Which state asks for which fact, in the order the flow asks.
QUESTIONS: tuple[tuple[str, str], ...] = (
    ("os", ASK_OS),
    ("client", ASK_CLIENT),
    ("symptom", ASK_SYMPTOM),
    ("error_code", ASK_ERROR_CODE),
)

#: The declaration lives in the default content pack (vpnfsm/content/default/flows/vpn.toml).
VPN_FLOW = default_pack().flows["vpn"]


def _max_turns() -> int:
    # A round asks each question at most twice and checks at most
    # ``max_attempts`` sets of steps, each at most twice; a reset ends a round
    # early, and after ``max_resets`` of them the next one hands off. The first
    # message adds one turn. ``vpnfsm verify`` computes the exact bound, which
    # must not exceed this one (a test checks).
    limits = VPN_FLOW.limits
    per_question = limits.max_reasks + 1
    per_round = len(QUESTIONS) * per_question + limits.max_attempts * per_question
    return 1 + (limits.max_resets + 1) * per_round


#: Upper bound on user turns from the first message to resolved or handoff.
MAX_TURNS = _max_turns()

"""The VPN troubleshooting flow, declared as data.

Shape: ask for the missing facts, most valuable first (OS, client, symptom,
error code), skipping every fact already known; give the best steps for what
is known and ask whether they worked in the same reply; one retry with a
different set of steps; then a person takes over. A person can be asked for
at any time, and "start over" begins again (a bounded number of times).
"""

from __future__ import annotations

from vpnfsm.flows._builder import Question, TroubleshootingShape
from vpnfsm.flows.spec import FlowSpec, Limits

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

SHAPE = TroubleshootingShape(
    start=START,
    questions=tuple(Question(slot, state) for slot, state in QUESTIONS),
    give_steps=GIVE_STEPS,
    check_result=CHECK_RESULT,
    handoff=HANDOFF,
    resolved=RESOLVED,
)

VPN_FLOW = FlowSpec(
    name="vpn",
    intent="vpn",
    title="VPN troubleshooting",
    states=SHAPE.states,
    initial=SHAPE.start,
    transitions=SHAPE.transitions,
    slots=("os", "client", "symptom", "error_code"),
    prepare=("settle_pending",),
    limits=Limits(max_reasks=1, max_attempts=2, max_resets=2),
    knowledge="vpn_knowledge.toml",
    messages={
        "ask_os": "Which operating system is the device on (Windows, macOS, Linux, iOS, Android, ChromeOS)?",
        "reask_os": "Sorry, I didn't catch the operating system. Is it Windows, macOS, Linux, iOS, "
        'Android or ChromeOS? ("I don\'t know" is fine too.)',
        "ask_client": "Which VPN app do you use (for example GlobalProtect, Cisco Secure Client/AnyConnect, "
        "FortiClient, OpenVPN, WireGuard, or the VPN built into Windows)?",
        "reask_client": "I didn't recognise that VPN app. What is the name of the app you connect with? "
        '("I don\'t know" is fine too.)',
        "ask_symptom": "What happens exactly: it won't connect, the login is rejected, the second factor "
        "fails, a certificate warning, connected but nothing reachable, names don't resolve, it keeps "
        "dropping, it's slow, or the app itself fails?",
        "reask_symptom": 'Could you describe what you see in a few words, e.g. "stuck on connecting" or '
        '"connected but can\'t reach the intranet"?',
        "ask_error_code": "Does it show an error code or message? If so, please type it (e.g. 809 or -7200); "
        'otherwise say "no code".',
        "reask_error_code": 'I couldn\'t find an error code in that. Please type just the code, or say "no code".',
        "check_result": "Did that fix it? Please answer yes or no.",
        "reask_result": "Did the steps fix the problem? A simple yes or no helps me decide what to do next.",
        "restart": "OK, let's start over.",
        "handoff": "I'm handing this over to a person on the IT support team with everything you told me. "
        "Your reference is {reference}.",
        "resolved": "Great, glad it works again! If anything else comes up, just tell me.",
    },
)


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

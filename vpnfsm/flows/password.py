"""The password reset / account lock-out flow, declared as data.

Shape: find out what is wrong (forgotten or expired password, locked
account, lost second factor) and, unless the account is merely locked, which
recovery method the user registered; then give self-service steps (reset,
lock-out wait, MFA re-enrolment) and check they worked, with one retry. A
user without any recovery method cannot reset on their own: a person must
verify their identity, so the flow escalates at once (reason
``identity_check``).
"""

from __future__ import annotations

from vpnfsm.flows._builder import Question, TroubleshootingShape
from vpnfsm.flows.spec import FlowSpec, Limits

__all__ = ["PASSWORD_FLOW"]

START = "PWD_START"
ASK_PROBLEM = "PWD_ASK_PROBLEM"
ASK_RECOVERY = "PWD_ASK_RECOVERY"
GIVE_STEPS = "PWD_GIVE_STEPS"
CHECK_RESULT = "PWD_CHECK_RESULT"
HANDOFF = "PWD_HANDOFF"
RESOLVED = "PWD_RESOLVED"

SHAPE = TroubleshootingShape(
    start=START,
    questions=(
        Question("problem", ASK_PROBLEM),
        # A locked account unlocks by waiting: the recovery method does not matter.
        Question("recovery", ASK_RECOVERY, unless=("fact:problem=locked",)),
    ),
    give_steps=GIVE_STEPS,
    check_result=CHECK_RESULT,
    handoff=HANDOFF,
    resolved=RESOLVED,
    shortcuts=(
        {
            "dest": HANDOFF,
            "conditions": ["fact:recovery=none"],
            "unless": ["fact:problem=locked"],
            "before": ["reason:identity_check"],
        },
    ),
)

PASSWORD_FLOW = FlowSpec(
    name="password",
    intent="password_reset",
    title="Password reset and account lock-out",
    states=SHAPE.states,
    initial=SHAPE.start,
    transitions=SHAPE.transitions,
    slots=("problem", "recovery"),
    prepare=("settle_pending",),
    limits=Limits(max_reasks=1, max_attempts=2, max_resets=2),
    knowledge="password_knowledge.toml",
    vocabulary={
        "problem": {
            "locked": (r"lock(ed)?[- ]?out", r"\blocked\b", r"too many (failed |wrong )?(attempts|tries)"),
            "expired": (r"\bexpired?\b", r"\bexpir(es|ing|y)\b"),
            "mfa": (
                r"\b(mfa|2fa)\b",
                r"two[- ]?(factor|step)",
                r"multi[- ]?factor",
                r"(new|lost|broken|replaced|stolen|reset) (my )?phone",
                r"authenticator (app )?(is )?(gone|lost|deleted|not working|stopped)",
                r"(sign[- ]?in|verification|security) codes?",
            ),
            "forgot": (
                r"forg[eo]t",
                r"(don't|do not|can't|cannot) remember",
                r"reset (my )?password",
                r"new password",
            ),
        },
        "recovery": {
            # "My authenticator is gone" states the problem, not a working recovery method
            # (a leading "!" marks a pattern that keeps the value from matching).
            "authenticator": (
                r"authenticator",
                r"!authenticator (app )?(is |was )?(gone|lost|deleted|not working|stopped)",
                r"^\s*(the |my )?app\s*[.!]*$",
            ),
            "sms": (r"\b(sms|text( message)?s?)\b", r"phone number", r"\bmobile\b"),
            "alt_email": (r"(personal|private|alternate|alternative|other|backup|gmail) ?(e-?mail|address)",),
            "none": (
                r"^\s*(none|nothing|neither|no)\s*[.!]*\s*$",
                r"no (recovery|backup|other) (method|option|phone|e-?mail)",
                r"(never|didn't|did not|haven't|have not) (set|register|add)",
            ),
        },
    },
    messages={
        "ask_problem": "What is happening with your password: did you forget it, has it expired, is the "
        "account locked, or is the problem your second factor (MFA, e.g. a new phone)?",
        "reask_problem": "Sorry, I didn't get that. Forgotten, expired, locked out, or an MFA / phone "
        'problem? ("I don\'t know" is fine too.)',
        "ask_recovery": "Which recovery method did you register for your account: the authenticator "
        "app, text messages to your phone, a personal e-mail address, or none?",
        "reask_recovery": "Which of these do you have: authenticator app, text messages, personal e-mail, or "
        'none? ("I don\'t know" is fine too.)',
        "check_result": "Can you sign in now? Please answer yes or no.",
        "reask_result": "Did that get you signed in? A simple yes or no helps me decide what to do next.",
        "restart": "OK, let's start over.",
        "handoff": "I'm handing this over to a person on the IT support team, who will verify your identity "
        "and help you back into your account. Your reference is {reference}.",
        "resolved": "Great, you're back in! Remember to update the password on your phone and other devices.",
    },
)

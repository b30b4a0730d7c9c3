"""The e-mail troubleshooting flow, declared as data.

Shape: find out what is wrong (mailbox full, mail not arriving, mail not
leaving, not syncing, endless password prompts) and, unless it is a full
mailbox (a server-side quota, the same in every app), which mail app is
used; then give the best steps and check they worked, with one retry,
before a person takes over.
"""

from __future__ import annotations

from vpnfsm.flows._builder import Question, TroubleshootingShape
from vpnfsm.flows.spec import FlowSpec, Limits

__all__ = ["EMAIL_FLOW"]

START = "EMAIL_START"
ASK_PROBLEM = "EMAIL_ASK_PROBLEM"
ASK_APP = "EMAIL_ASK_APP"
GIVE_STEPS = "EMAIL_GIVE_STEPS"
CHECK_RESULT = "EMAIL_CHECK_RESULT"
HANDOFF = "EMAIL_HANDOFF"
RESOLVED = "EMAIL_RESOLVED"

SHAPE = TroubleshootingShape(
    start=START,
    questions=(
        Question("problem", ASK_PROBLEM),
        # A full mailbox is a server quota: the app does not change the steps.
        Question("mail_app", ASK_APP, unless=("fact:problem=mailbox_full",)),
    ),
    give_steps=GIVE_STEPS,
    check_result=CHECK_RESULT,
    handoff=HANDOFF,
    resolved=RESOLVED,
)

EMAIL_FLOW = FlowSpec(
    name="email",
    intent="email",
    title="E-mail troubleshooting",
    states=SHAPE.states,
    initial=SHAPE.start,
    transitions=SHAPE.transitions,
    slots=("problem", "mail_app"),
    prepare=("settle_pending",),
    limits=Limits(max_reasks=1, max_attempts=2, max_resets=2),
    knowledge="email_knowledge.toml",
    vocabulary={
        "problem": {
            "mailbox_full": (
                r"mailbox (is )?(almost )?full",
                r"\bquota\b",
                r"out of (storage|space)",
                r"(storage|inbox) (is )?full",
            ),
            "not_receiving": (
                r"not (receiving|getting)",
                r"(don't|do not|doesn't|does not|can't|cannot|won't) (receive|get)",
                r"(e-?mails?|mail|messages?) (isn't|aren't|is not|are not|not) (arriving|coming)",
                r"no (new )?(e-?mails?|mail)",
            ),
            "not_sending": (
                r"(can't|cannot|unable to|won't|doesn't|does not) send",
                r"not sending",
                r"stuck in (the |my )?outbox",
                r"bounc(e|es|ed|ing)",
            ),
            "password_prompt": (
                r"keeps? (asking|prompting)",
                r"password (prompt|pop-?up|window)",
                r"asks? (me )?(for )?(my )?password",
            ),
            "sync": (r"\bsync", r"not updating", r"(won't|doesn't|does not) (update|refresh)"),
        },
        "mail_app": {
            "outlook_web": (
                r"outlook (on the )?web",
                r"\bowa\b",
                r"outlook\.office",
                r"\bbrowser\b",
                r"webmail",
            ),
            "outlook": (r"\boutlook\b",),
            "phone": (r"\b(iphone|ipad|android|phone|mobile|tablet)\b",),
            "apple_mail": (r"apple mail", r"mail app on (my |the )?mac"),
            "thunderbird": (r"thunderbird",),
        },
    },
    messages={
        "ask_problem": "What is wrong with your e-mail: mailbox full, mail not arriving, mail not sending, "
        "not syncing, or it keeps asking for your password?",
        "reask_problem": "Sorry, I didn't get that. Is it a full mailbox, mail not arriving, "
        'mail not sending, syncing, or password prompts? ("I don\'t know" is fine too.)',
        "ask_mail_app": "Which mail app do you use: Outlook on a computer, Outlook on the web, the phone's mail "
        "app, Apple Mail or Thunderbird?",
        "reask_mail_app": "Which app do you read mail in (Outlook, Outlook on the web, phone, Apple Mail, "
        'Thunderbird)? ("I don\'t know" is fine too.)',
        "check_result": "Is your mail working again? Please answer yes or no.",
        "reask_result": "Did that fix your mail? A simple yes or no helps me decide what to do next.",
        "restart": "OK, let's start over.",
        "handoff": "I'm handing this over to a person on the IT support team with everything you told me. "
        "Your reference is {reference}.",
        "resolved": "Great, glad your mail works again!",
    },
)

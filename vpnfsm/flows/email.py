"""The e-mail troubleshooting flow, the default pack's ``flows/email.toml``.

Shape: find out what is wrong (mailbox full, mail not arriving, mail not
leaving, not syncing, endless password prompts) and, unless it is a full
mailbox (a server-side quota, the same in every app), which mail app is
used; then give the best steps and check they worked, with one retry,
before a person takes over.
"""

from __future__ import annotations

from vpnfsm.content.pack import default_pack

__all__ = ["EMAIL_FLOW"]

START = "EMAIL_START"
ASK_PROBLEM = "EMAIL_ASK_PROBLEM"
ASK_APP = "EMAIL_ASK_APP"
GIVE_STEPS = "EMAIL_GIVE_STEPS"
CHECK_RESULT = "EMAIL_CHECK_RESULT"
HANDOFF = "EMAIL_HANDOFF"
RESOLVED = "EMAIL_RESOLVED"

#: The declaration lives in the default content pack (vpnfsm/content/default/flows/email.toml).
EMAIL_FLOW = default_pack().flows["email"]

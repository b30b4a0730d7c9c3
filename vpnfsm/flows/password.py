"""The password reset / account lock-out flow, the default pack's ``flows/password.toml``.

Shape: find out what is wrong (forgotten or expired password, locked
account, lost second factor) and, unless the account is merely locked, which
recovery method the user registered; then give self-service steps (reset,
lock-out wait, MFA re-enrolment) and check they worked, with one retry. A
user without any recovery method cannot reset on their own: a person must
verify their identity, so the flow escalates at once (reason
``identity_check``).
"""

from __future__ import annotations

from vpnfsm.content.pack import default_pack

__all__ = ["PASSWORD_FLOW"]

START = "PWD_START"
ASK_PROBLEM = "PWD_ASK_PROBLEM"
ASK_RECOVERY = "PWD_ASK_RECOVERY"
GIVE_STEPS = "PWD_GIVE_STEPS"
CHECK_RESULT = "PWD_CHECK_RESULT"
HANDOFF = "PWD_HANDOFF"
RESOLVED = "PWD_RESOLVED"

#: The declaration lives in the default content pack (vpnfsm/content/default/flows/password.toml).
PASSWORD_FLOW = default_pack().flows["password"]

"""E-mail addresses (a personal address is personal data; the help desk knows the work one)."""

from __future__ import annotations

from collections.abc import Iterator

from vpnfsm._patterns import compile_user
from vpnfsm.redact._kinds import Finding
from vpnfsm.redact._scan import Scan

__all__ = ["SCANNED", "find_emails"]

_EMAIL = compile_user(r"[\pL\pN._%+-]+@[\pL\pN-]+(?:\.[\pL\pN-]+)*\.\pL+", name="redact:emails:address")
#: The patterns this module searches the whole text with (``core`` asks the prefilter about them).
SCANNED = (_EMAIL,)


def find_emails(scan: Scan) -> Iterator[Finding]:
    """Every e-mail address in ``scan.text``."""
    for match in scan.matches(_EMAIL):
        yield Finding(match.start(), match.end(), "email_address")

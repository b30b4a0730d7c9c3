"""E-mail addresses (a personal address is personal data; the help desk knows the work one)."""

from __future__ import annotations

from collections.abc import Iterator

from vpnfsm._patterns import compile_user
from vpnfsm.redact._kinds import Finding
from vpnfsm.redact._scan import Scan

__all__ = ["SCANNED", "find_emails"]

_EMAIL = compile_user(r"[\pL\pN._%+-]+@[\pL\pN-]+(?:\.[\pL\pN-]+)*\.\pL+", name="redact:emails:address")
#: The patterns this module searches the whole text with. Its detectors find nothing unless one
#: of them occurs: ``core`` asks the prefilter which do, and skips the detectors when none does.
SCANNED = (_EMAIL,)


def find_emails(scan: Scan) -> Iterator[Finding]:
    """Every e-mail address in ``scan.text``."""
    for start, end in scan.spans(_EMAIL):
        yield Finding(start, end, "email_address")

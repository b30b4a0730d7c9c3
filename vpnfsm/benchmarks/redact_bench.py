"""What redaction costs: a normal message against 16 KB of adversarial text, in one run.

The adversarial inputs are floods of what each detector looks for (cues,
digit groups, key=value pairs, placeholders, addresses), long runs of
separators and one long password-like word. Every detector is RE2 (linear)
and has a per-message match budget, so the worst case stays in milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vpnfsm.benchmarks._timing import summarize, time_calls
from vpnfsm.redact import redact

__all__ = ["ADVERSARIAL", "NORMAL_MESSAGE", "run_redact_bench"]

#: A 300-character message as people send it, with a secret and facts in it.
NORMAL_MESSAGE = (
    "vpn keeps dropping on windows 11 with globalprotect 6.2.1, error 809 since the update yesterday; "
    "my password is Kettle!Rain42 and the code on my phone was 482913, gateway vpn-gw01.corp.example.net "
    "at 10.20.30.40 port 443, ticket INC0012345, please call me on +49 170 1234567 or mail kim@example.org"
)[:300]

_SIZE = 16 * 1024


def _fill(unit: str) -> str:
    return (unit * (_SIZE // len(unit) + 1))[:_SIZE]


#: Name -> 16 KB of text built to make one detector work hard.
ADVERSARIAL: dict[str, Callable[[], str]] = {
    "password cues": lambda: _fill("password is x "),
    "cue + password-like": lambda: _fill("password Ab1!xyz9 "),
    "digit groups": lambda: _fill("1234 "),
    "code words + digits": lambda: _fill("code 123456 "),
    "key=value pairs": lambda: _fill("password=Ab1! "),
    "placeholders": lambda: _fill("[password] "),
    "IPv4 addresses": lambda: _fill("10.0.0.1 "),
    "phone numbers": lambda: _fill("call +49 170 1234567 "),
    "separator runs": lambda: _fill("a-"),
    "whitespace run": lambda: "1 error" + " " * (_SIZE - 8) + "x",
    "at signs": lambda: _fill("a@"),
    "one long word": lambda: _fill("Ab1!"),
    "everything mixed": lambda: _fill(NORMAL_MESSAGE + " ghp_" + "a" * 36 + " card 4111111111111111 "),
}


def run_redact_bench(*, repeat: int = 20) -> dict[str, Any]:
    """Median cost of ``redact()`` on the normal message and on each adversarial input."""
    normal = summarize(time_calls(lambda: redact(NORMAL_MESSAGE), count=repeat * 20))
    worst: dict[str, float] = {}
    for name, build in ADVERSARIAL.items():
        text = build()

        def once(text: str = text) -> None:
            redact(text)

        samples = time_calls(once, count=repeat)
        worst[name] = round(summarize(samples)["median_us"] / 1000, 2)
    slowest = max(worst, key=worst.__getitem__)
    return {
        "normal_300_chars_us": normal["median_us"],
        "adversarial_16kb_ms": worst,
        "slowest": slowest,
        "slowest_ms": worst[slowest],
    }

"""The benchmarks' conversations: many employees, each typing their own way.

A benchmark that replays a handful of conversations measures a warm cache,
not a service: the extraction memo would answer every message from memory.
Here every conversation is another employee's: the opening message is built
from independent parts (who, what broke, since when, a detail, a typing
habit), numbers differ, and only the short answers that real people type
alike repeat ("win11", "no", "yes that fixed it"), so the memo hits about as
often as it would in a real day (the benchmarks print its hit rate).

Deterministic: the same ``seed`` gives the same conversations, so two designs
timed in one run see exactly the same messages.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

__all__ = ["conversations"]

_SUBJECTS = (
    "vpn", "VPN", "my vpn", "the vpn", "vpn on my laptop", "work vpn", "company VPN", "the VPN client",
    "remote access", "vpn connection",
)  # fmt: skip
_PROBLEMS = (
    "is not working", "wont connect", "won't connect", "keeps dropping", "disconnects every few minutes",
    "says login failed", "is stuck on connecting", "connects but nothing loads", "times out",
    "doesnt work anymore", "keeps asking for my password", "is super slow", "fails with an error",
)  # fmt: skip
_SINCE = (
    "", "", " since this morning", " since yesterday", " again", " after the update", " since {n}am",
    " for {n} days now", " since i got back from vacation", " today", " at home",
)  # fmt: skip
# Details that are no answer to a later question (the OS, app and code come when asked).
_DETAILS = (
    "", "", "", " from the hotel wifi", " - tried restarting twice", " at the office", " in the train",
    ", rebooted already", " and i have a meeting in {n}0 min", " (same for my colleague)",
)  # fmt: skip
_ENDINGS = ("", "", "", "!!", "?", " pls help", " :(", ". any idea?", ", urgent")

_OS = ("windows", "Windows 11", "win11", "win 10", "mac", "macOS", "macbook", "ubuntu 22.04", "linux", "iphone")
_CLIENTS = ("globalprotect", "GlobalProtect", "anyconnect", "cisco", "forticlient", "wireguard", "dont know")
_CODES = ("809", "691", "-7200", "619", "720", "412", "no code", "none", "no error", "not sure")
_FAILED = ("no", "nope", "still broken", "didnt help", "no, same thing", "nope still nothing")
_FIXED = ("yes that fixed it", "works now", "yes thanks", "that worked!", "ok its working now thx")
_ASIDES = ("hang on", "wait what does that mean?", "sorry my boss called", "ok", "one sec")


def _opening(rng: random.Random) -> str:
    text = (
        rng.choice(_SUBJECTS)
        + " "
        + rng.choice(_PROBLEMS)
        + rng.choice(_SINCE)
        + rng.choice(_DETAILS)
        + rng.choice(_ENDINGS)
    )
    text = text.format(n=rng.randint(2, 11))
    if rng.random() < 0.3:
        text = text.lower()
    return text


def _conversation(rng: random.Random) -> tuple[str, ...]:
    # In the order the VPN flow asks: the OS, the app, an error code; then how the steps went.
    turns = [_opening(rng), rng.choice(_OS), rng.choice(_CLIENTS)]
    if rng.random() < 0.2:
        turns.append(rng.choice(_ASIDES))
    turns.append(rng.choice(_CODES))
    ending = rng.random()
    if ending < 0.4:
        turns.append(rng.choice(_FIXED))
    elif ending < 0.85:
        turns += [rng.choice(_FAILED), rng.choice(_FAILED)]
    else:
        turns.append("can i talk to a person")
    return tuple(turns)


def conversations(seed: int = 16) -> Iterator[tuple[str, ...]]:
    """An endless stream of conversations, a different employee each (deterministic per ``seed``)."""
    rng = random.Random(seed)
    while True:
        yield _conversation(rng)

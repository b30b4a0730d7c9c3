"""Write a small working flow and its article table into a pack directory (``vpnfsm new-flow``).

The flow asks one question (what is wrong), gives an article's steps,
checks they worked, tries a second article, and hands off to a person
otherwise (the table has two articles: the proof wants the retry route used). It loads, verifies
and runs a conversation to its handoff as written, so a team starts from
something that works and edits the words.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["Scaffold", "check_flow_name", "write_flow"]

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


@dataclass(frozen=True)
class Scaffold:
    """The files :func:`write_flow` wrote."""

    flow: Path
    knowledge: Path
    manifest: Path | None


def check_flow_name(name: str) -> str:
    """``name`` if it can name a flow (lower-case letters, digits, ``_``; a letter first).

    Raises:
        ValueError: it cannot.

    """
    if not name or not name[0].isalpha() or not set(name) <= _NAME_CHARS or len(name) > 40:
        raise ValueError(f"flow name {name!r}: use lower-case letters, digits and _, starting with a letter")
    return name


def _flow_text(name: str) -> str:
    prefix = name.upper()
    words = name.replace("_", " ")
    cue = name.replace("_", "[ _-]?")
    return f'''# The {words} flow: ask what is wrong, give steps, check, else a person takes over.
# Written by `vpnfsm new-flow {name}`; edit the words, then run `vpnfsm verify --content DIR`.

[flow]
name = "{name}"
intent = "{name}"
title = "{words.capitalize()} troubleshooting"
slots = ["problem"]
prepare = ["settle_pending"]
knowledge = "{name}.toml"
# The extractor reads this topic as "general": these patterns (RE2) start the flow.
cues = ['\\b{cue}\\b']

[limits]
max_reasks = 1
max_attempts = 2
max_resets = 2

[shape]
start = "{prefix}_START"
give_steps = "{prefix}_GIVE_STEPS"
check_result = "{prefix}_CHECK_RESULT"
handoff = "{prefix}_HANDOFF"
resolved = "{prefix}_RESOLVED"

[[shape.question]]
slot = "problem"
state = "{prefix}_ASK_PROBLEM"

[vocabulary.problem]
not_working = ['\\b(not working|broken|down|dead|no connection)\\b', "(can't|cannot|won't) (connect|use|get)"]
slow = ['\\b(slow|lag+y|laggy|sluggish)\\b']

[messages]
ask_problem = "What is wrong with the {words}: is it not working at all, or slow?"
reask_problem = "Sorry, I didn't get that. Not working at all, or slow? (\\"I don't know\\" is fine too.)"
check_result = "Does it work now? Please answer yes or no."
reask_result = "Did that fix it? A simple yes or no helps me decide what to do next."
restart = "OK, let's start over."
handoff = "I'm handing this over to a person on the IT support team. Your reference is {{reference}}."
resolved = "Great, glad it works again!"
'''


def _article_text(name: str) -> str:
    words = name.replace("_", " ")
    return f'''# Steps for the {words} flow. An article names the facts it is written for
# (when / excludes) or says it fits any value (any); the most specific wins.

[weights]
problem = 1

[[article]]
id = "{name}-restart"
title = "Restart and try again"
any = ["problem"]
steps = [
    "Restart the device and wait a minute before you try the {words} again.",
    "If it still fails, note the time and any message you see; IT will need both.",
]

# A second set of steps for when the first did not help (the flow retries
# once with an article not given yet; `vpnfsm verify` wants that route used).
[[article]]
id = "{name}-check-others"
title = "Check whether it is only you"
any = ["problem"]
steps = [
    "Ask a colleague nearby whether the {words} works for them.",
    "Sign out and in again, then try once more and note any message you see.",
]
'''


def write_flow(name: str, into: Path) -> Scaffold:
    """Write ``flows/<name>.toml`` and ``knowledge/<name>.toml`` into ``into`` (created if missing).

    A ``pack.toml`` is written too when the directory has none (the pack
    extends the shipped flows).

    Raises:
        ValueError: ``name`` cannot name a flow.
        FileExistsError: the flow or its table already exists (nothing is overwritten).

    """
    check_flow_name(name)
    flow = into / "flows" / f"{name}.toml"
    knowledge = into / "knowledge" / f"{name}.toml"
    for path in (flow, knowledge):
        if path.exists():
            raise FileExistsError(f"{path} already exists; nothing was written")
    flow.parent.mkdir(parents=True, exist_ok=True)
    knowledge.parent.mkdir(parents=True, exist_ok=True)
    manifest: Path | None = into / "pack.toml"
    assert manifest is not None
    if manifest.exists():
        manifest = None
    else:
        manifest.write_text(
            f'# A content pack (see docs/content.md).\n\n[pack]\nname = "{into.resolve().name}"\nextends = "default"\n',
            encoding="utf-8",
        )
    flow.write_text(_flow_text(name), encoding="utf-8")
    knowledge.write_text(_article_text(name), encoding="utf-8")
    return Scaffold(flow=flow, knowledge=knowledge, manifest=manifest)

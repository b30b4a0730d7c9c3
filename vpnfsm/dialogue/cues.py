"""The phrases that tell what a message is, beyond its facts: switch, return, meta cues.

Data, not code: each cue group is a tuple of RE2 patterns (compiled once with
:class:`vpnfsm._patterns.PatternSet`, so a message costs one linear pass). The
policy (:mod:`vpnfsm.dialogue.policy`) decides what a cue means in context;
this module only says which cues occur.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from vpnfsm._patterns import PatternSet, scan_window

__all__ = ["CUES", "find_cues"]

#: Cue group -> patterns (case-insensitive). Group names are features the policy reads.
CUES: Mapping[str, tuple[str, ...]] = {
    # "Drop this, the real problem is ...": the pending question is not being answered.
    "switch_cue": (
        r"\bnever\s?mind\b",
        r"\bnvm\b",
        r"\bforget (it|that|this|about|the)\b",
        r"\bscratch that\b",
        r"\bthe real (issue|problem)\b",
        r"\bturns out\b",
        r"\bignore (that|this|the)\b",
    ),
    # "Also ...", "another thing": a second problem beside the current one.
    "also_cue": (
        r"\balso\b",
        r"\banother (thing|problem|issue|question)\b",
        r"\bdifferent (thing|problem|issue|question)\b",
        r"\bone more thing\b",
        r"\boh and\b",
        r"\bsomething else\b",
        r"\bnew (problem|issue)\b",
        r"\bseparate (problem|issue)\b",
    ),
    # The extractor reads the common requests for a person; these are the ones it may miss.
    "person_cue": (
        r"\btransfer me\b",
        r"\b(connect|put) me (through )?to (a|an|the|someone)\b",
        r"\b(service|help) ?desk\b.*\b(please|pls|transfer|connect|talk|speak)\b",
        r"\b(talk|speak) to (a|an|some)(one|body| person| human| agent)\b",
        r"\breal (person|human)\b",
        r"^\W*(operator|agent|human)\W*$",
    ),
    # "Call me on ... if easier": contact details offered, not a request to stop and hand off.
    "contact_offer": (r"\b(call|ring|reach|text) me\b.{0,60}\bif (easier|needed|necessary|you (want|prefer|like))\b",),
    "return_cue": (
        r"\bback to\b",
        r"\breturn(ing)? to\b",
        r"\bwhere were we\b",
        r"\bcontinue (with )?the\b",
    ),
    "clarify_cue": (
        r"\bwhat (do|did) you mean\b",
        r"\bwhat does (that|this|it) mean\b",
        r"\bwhat'?s (a|an)\b",
        r"\bwhat (is|are) (a|an)\b",
        r"\bwhere (do|can|would|should) i (find|see|look)\b",
        r"\bwhere is (that|it|this)\b",
        r"\bhow (do|can|would) i (find|know|check|tell|see)\b",
        r"\bdid what work\b",
        r"\bi don'?t (understand|get it|get what)\b",
        r"\bwhich one (do you|should)\b",
        r"^\W*(huh|what|pardon|come again)\W*$",
    ),
    "safety_cue": (
        r"\bshould i (just )?(accept|trust|click|ignore|allow|install|disable|turn off)\b",
        r"\bcan i (just )?(accept|trust|click|ignore|disable)\b",
        r"\bis (it|this|that) (safe|ok to|okay to)\b",
        r"\bsafe to\b",
        r"\b(give|tell|send|share) you my (password|pin|passcode|code)\b",
    ),
    # Said in passing: "btw", "fyi", or that something else works fine.
    "aside_cue": (
        r"\b(btw|fyi|fwiw|by the way|just so you know)\b",
        r"\b(works?|working|is|are)\s+(fine|ok|okay|great|normally|perfectly)\b",
        r"\b(work|works) (fine|normally|ok)\b",
    ),
    "thanks_cue": (r"\b(thanks|thank you|thx|ty|cheers|much appreciated|merci|danke|gracias)\b",),
    "bye_cue": (r"\b(bye|goodbye|cya|see ya|see you|gotta go|got to go|talk later|ttyl)\b",),
    "frustration_cue": (
        r"\bfrustrat",
        r"\bridiculous\b",
        r"\bstupid\b",
        r"\bffs\b",
        r"\bugh+\b",
        r"\bannoy",
        r"\bwtf\b",
        r"\bfed up\b",
        r"\bsick of\b",
        r"\bnever works\b",
        r"\bwaste of (my )?time\b",
        r"!!",
    ),
    "follow_up_cue": (
        r"\b(any )?(news|update|status)\b",
        r"\bticket\b",
        r"\bwhen will\b",
        r"\bstill waiting\b",
        r"\breference\b",
    ),
    # Short acceptance ("yes please", "ja", "sí"): accepts an offer the bot just made.
    "affirm_cue": (
        r"^\W*(yes|yeah|yep|ok|okay|sure|please|ja|sí|si|oui|sim|sì|graag|bitte|por favor)"
        r"(\W+(please|pls|yes|graag|bitte|por favor|s'il vous plaît|per favore|thanks))?\W*$",
    ),
}

_NAMES: tuple[str, ...] = tuple(name for name, patterns in CUES.items() for _ in patterns)
_SET = PatternSet(
    [(f"dialogue:{name}:{i}", pattern) for i, (name, pattern) in enumerate(
        (name, pattern) for name, patterns in CUES.items() for pattern in patterns
    )],
    ignore_case=True,
)


#: Texts up to this length have their cues remembered: the short answers people type alike.
_REMEMBER_CHARS = 64


def find_cues(text: str) -> frozenset[str]:
    """The cue groups that occur in ``text`` (one linear pass over a bounded window)."""
    if len(text) <= _REMEMBER_CHARS:
        return _short_cues(text)
    return _cues(text)


def _cues(text: str) -> frozenset[str]:
    return frozenset(_NAMES[index] for index in _SET.matching(scan_window(text)))


# Bounded: at most 4096 texts of 64 characters (what the extractor read: secrets blanked).
_short_cues = functools.lru_cache(maxsize=4096)(_cues)

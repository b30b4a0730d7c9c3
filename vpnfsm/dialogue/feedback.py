"""What "did that fix it?" answers look like, beyond a plain yes or no.

The extractor reads the common English answers; this table adds the forms
employees also use: "useless", "same thing", emoji, short slang and yes/no in
the main European languages. Failed is tried first, so "doesn't work" is
never read as "works".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from vpnfsm._patterns import PatternSet, scan_window

__all__ = ["FEEDBACK", "read_feedback"]

Feedback = Literal["failed", "worked", "unclear"]

#: Result -> patterns (case-insensitive), in the order they are tried.
FEEDBACK: Mapping[Feedback, tuple[str, ...]] = {
    "failed": (
        "\U0001f44e",  # thumbs down
        "\u274c",  # cross mark
        r"\buseless\b",
        r"\b(did ?n[o']?t|does ?n[o']?t|didnt|doesnt) (help|work|fix|change)",
        r"\bno (luck|change|dice|joy)\b",
        r"\b(same|still the same) (thing|issue|problem|error|message|again)\b",
        r"^\W*same\W*$",
        r"\bstill (not|broken|borked|failing|fails|drops|dropping|the same|no)\b",
        r"^\W*(nah|nope|nay|no+|nein|nee|non|não|nao|nie|nej|nö)\b",
        r"\b(geht|klappt|funktioniert) (immer noch |noch immer |leider )?nicht\b",
        r"\b(sigue|todavía|todavia) (sin|no)\b",
        r"\btoujours pas\b",
        r"\bnot working\b",
        r"\bborked\b",
        r"\bworse\b",
    ),
    "worked": (
        "\U0001f44d",  # thumbs up
        "\u2705",  # check mark
        r"\b(works|working|worked) (now|again|fine)\b",
        r"\b(yep|yup|yes|yeah),? (it )?works\b",
        r"\b(funktioniert|klappt|geht) (jetzt|wieder)\b",
        r"\b(funciona|fonctionne|werkt|funziona)\b",
        r"^\W*(ja|jawohl|sí|si|oui|sim|sì|tak)\W*$",
        r"\b(fixed|sorted|solved)\b",
    ),
    "unclear": (
        "\U0001f937",  # person shrugging
        r"\bnot sure\b",
        r"\b(kind|sort) of\b",
        r"^\W*(maybe|dunno|idk)\W*$",
    ),
}

_ORDER: tuple[Feedback, ...] = tuple(FEEDBACK)
_LABELS: tuple[Feedback, ...] = tuple(label for label in _ORDER for _ in FEEDBACK[label])
_SET = PatternSet(
    [
        (f"dialogue:feedback:{label}:{i}", pattern)
        for i, (label, pattern) in enumerate((label, p) for label in _ORDER for p in FEEDBACK[label])
    ],
    ignore_case=True,
)


def read_feedback(text: str) -> Feedback | None:
    """The result the text gives for steps just tried, or ``None`` when it says none."""
    found = {_LABELS[index] for index in _SET.matching(scan_window(text))}
    return next((label for label in _ORDER if label in found), None)

"""Which language a message is in, with py3langid, restricted to the languages employees write in.

Only English is understood; for another language the bot says so (in English
and, when it has the words, in that language) and offers a person. Short
messages are not judged: "ok", "ja" or an error code say too little, and a
wrong guess would interrupt an English conversation.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

__all__ = [
    "ENGLISH_MARKERS",
    "JUDGED_CHARS",
    "JUDGED_TEXTS",
    "LANGUAGES",
    "MARKERS_NEEDED",
    "MIN_WORDS",
    "detect_language",
    "has_english_markers",
    "load_model",
]

#: The languages the detector chooses between (ISO 639-1).
LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "es", "it", "pt", "nl", "pl", "sv", "da", "no", "fi", "cs", "tr")
#: Messages with fewer words are taken as English (or as language-neutral).
MIN_WORDS = 5
#: The detector's probability needed before a message counts as not English.
MIN_CONFIDENCE = 0.95

#: Words that are English and no word of the other :data:`LANGUAGES` (so not "is",
#: Dutch; "to" or "my", Polish; "on", Finnish). A message with
#: :data:`MARKERS_NEEDED` different ones is English without asking the model,
#: which costs ~120 µs a message; ``tests/unit/test_language_markers.py`` checks
#: the shortcut agrees with the model on every written message.
ENGLISH_MARKERS: frozenset[str] = frozenset(
    {
        "the", "and", "with", "not", "this", "that", "but", "have", "when", "from", "what",
        "it's", "can't", "doesn't", "don't", "won't", "isn't", "i'm", "after", "since",
        "get", "keeps", "connect", "working", "still", "again", "doesnt", "dont", "cant", "wont",
        "says", "anymore", "please", "why", "how", "been", "tried", "getting",
        "every", "few", "nothing", "yesterday", "today", "stuck", "slow", "asking", "talk",
    }
)  # fmt: skip
#: Different marker words that make a message English.
MARKERS_NEEDED = 2
_EDGES = ".,;:!?()[]{}\"'`*"


def has_english_markers(words: list[str]) -> bool:
    """Whether ``words`` hold :data:`MARKERS_NEEDED` different :data:`ENGLISH_MARKERS`."""
    seen: set[str] = set()
    for word in words:
        word = word.strip(_EDGES).lower().replace("\u2019", "'")
        if word in ENGLISH_MARKERS:
            seen.add(word)
            if len(seen) >= MARKERS_NEEDED:
                return True
    return False


@cache
def _identifier() -> Any:
    # Imported on first use: the model (and numpy) load only when a long message needs judging.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def load_model() -> None:
    """Load the detector's model now, rather than on the first message that needs it.

    The load takes about half a second (numpy and a compressed model), which an
    embedding script or a test need not pay until a long non-English message
    arrives; a long-running host (``vpnfsm serve``, the Slack and Teams bots)
    calls this at start-up, so that no employee's message waits for it.
    """
    _identifier()


def detect_language(text: str) -> str:
    """The message's language code; ``"en"`` when short, unsure or English."""
    # What the user wrote comes first; a pasted log after it is in no human language, and
    # the detector's cost grows with the text, so it reads the first few hundred characters.
    words = text[:600].split()
    if len(words) < MIN_WORDS or has_english_markers(words):
        return "en"
    joined = " ".join(words)
    # People type the same short sentences ("can i talk to a person"): the model's
    # answer for one is remembered (a pure function of the words, so always right).
    return _judged_short(joined) if len(joined) <= JUDGED_CHARS else _judged(joined)


#: Longest text whose judgement is remembered; longer ones are rarely typed twice.
JUDGED_CHARS = 200
#: Short texts whose judgement is remembered (at most ~1 MB).
JUDGED_TEXTS = 4096


def _judged(joined: str) -> str:
    language, probability = _identifier().classify(joined)
    return str(language) if probability >= MIN_CONFIDENCE else "en"


_judged_short = lru_cache(maxsize=JUDGED_TEXTS)(_judged)

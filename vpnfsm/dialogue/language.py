"""Which language a message is in, with py3langid, restricted to the languages employees write in.

Only English is understood; for another language the bot says so (in English
and, when it has the words, in that language) and offers a person. Short
messages are not judged: "ok", "ja" or an error code say too little, and a
wrong guess would interrupt an English conversation.
"""

from __future__ import annotations

from functools import cache
from typing import Any

__all__ = ["LANGUAGES", "MIN_WORDS", "detect_language"]

#: The languages the detector chooses between (ISO 639-1).
LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "es", "it", "pt", "nl", "pl", "sv", "da", "no", "fi", "cs", "tr")
#: Messages with fewer words are taken as English (or as language-neutral).
MIN_WORDS = 5
#: The detector's probability needed before a message counts as not English.
MIN_CONFIDENCE = 0.95


@cache
def _identifier() -> Any:
    # Imported on first use: the model (and numpy) load only when a long message needs judging.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def detect_language(text: str) -> str:
    """The message's language code; ``"en"`` when short, unsure or English."""
    # What the user wrote comes first; a pasted log after it is in no human language, and
    # the detector's cost grows with the text, so it reads the first few hundred characters.
    words = text[:600].split()
    if len(words) < MIN_WORDS:
        return "en"
    language, probability = _identifier().classify(" ".join(words))
    return str(language) if probability >= MIN_CONFIDENCE else "en"

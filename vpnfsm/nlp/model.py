"""What an extractor returns: the labels of ``shared/nlp-taxonomy.md`` plus conversation signals.

The model is the contract between any extractor (the rule-based default, or
an LLM a host plugs in) and the flows. It is frozen so a result can be cached
and compared.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["ENTITY_FIELDS", "Evidence", "Extraction", "Intent", "Result"]

Intent = Literal["vpn", "email", "password_reset", "general"]
Result = Literal["worked", "failed"]

#: The four entity slots every extractor fills, in the order the VPN flow asks for them.
ENTITY_FIELDS: tuple[str, ...] = ("os", "client", "symptom", "error_code")


class Evidence(BaseModel):
    """Why a value was extracted: the rule that fired and the text span it matched.

    A value the trained classifier gave has ``rule`` ``"model"``, an empty span, its
    ``probability`` and the ``features`` that pushed it most (words, word pairs, 'grams').
    """

    model_config = ConfigDict(frozen=True)

    field: str
    value: str
    rule: str
    start: int
    end: int
    probability: float | None = None
    features: tuple[str, ...] = ()


class Extraction(BaseModel):
    """The meaning of one user message, read in the context of the pending question.

    Attributes:
        intent: the taxonomy intent (in a running flow, the flow's own intent
            unless the message clearly changes the subject).
        intent_confidence: how sure the extractor is of ``intent``, 0 to 1: by the kind of rule
            that decided (a cue phrase 0.9, an inference from a client, code or symptom 0.7,
            the running flow's intent for want of a cue 0.5, nothing said 0.3), or the
            classifier's probability when it decided. The dialogue policy needs a confident
            reading before it treats another topic without a cue as a new problem.
        os, client, symptom, error_code: taxonomy labels, ``None`` when the text does not say.
        second_symptom: another symptom the message shows besides the leading ``symptom``.
        human: the user asks for a person ("agent please").
        reset: the user wants to start over or cancel.
        dont_know: the user says they do not know the answer to the pending
            question ("no idea", "there is no error code").
        result: the answer to "did that work?" when the text says.
        evidence: one entry per extracted value, for audit logs and handoffs.

    """

    model_config = ConfigDict(frozen=True)

    intent: Intent = "general"
    intent_confidence: float = 1.0
    os: str | None = None
    client: str | None = None
    symptom: str | None = None
    second_symptom: str | None = None
    error_code: str | None = None
    human: bool = False
    reset: bool = False
    dont_know: bool = False
    result: Result | None = None
    evidence: tuple[Evidence, ...] = ()

    def entities(self) -> dict[str, str | None]:
        """Return the four entity slots as a dict, in :data:`ENTITY_FIELDS` order."""
        return {name: getattr(self, name) for name in ENTITY_FIELDS}

"""The default extractor: deterministic rules, vocabulary as data, every value explained.

:class:`RuleExtractor` glues the parts together; each part is replaceable (see
:mod:`vpnfsm.nlp.protocols`). It holds only compiled, immutable tables, so one instance is
safe to share between threads and does no I/O after construction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from vpnfsm._patterns import MAX_SCAN_CHARS, scan_window
from vpnfsm.nlp._build import build
from vpnfsm.nlp._codes import CodeMatcher
from vpnfsm.nlp._entities import ClientMatcher, OsMatcher
from vpnfsm.nlp._intent import RuleIntentClassifier
from vpnfsm.nlp._signals import RuleSignalDetector
from vpnfsm.nlp._symptoms import SymptomMatcher
from vpnfsm.nlp._vocab import load_vocabulary
from vpnfsm.nlp.context import Turn, read_context
from vpnfsm.nlp.model import Evidence, Extraction, Intent
from vpnfsm.nlp.protocols import (
    CodeFinder,
    Facts,
    Hit,
    IntentClassifier,
    Message,
    SignalDetector,
    SlotMatcher,
    is_intent,
)

__all__ = ["RuleExtractor"]

#: Messages longer than this are read as their head and tail (a pasted log names the failing
#: step at its start and the final error at its end); it bounds the time a paste can take.
MAX_CHARS = MAX_SCAN_CHARS


class RuleExtractor:
    """Turns a user message into an :class:`~vpnfsm.nlp.model.Extraction`.

    Every part can be replaced by an object with the same method (an LLM intent classifier,
    a tenant-specific client list); the others keep their rule-based defaults.

    Args:
        os_matcher, client_matcher, symptom_matcher: :class:`~vpnfsm.nlp.protocols.SlotMatcher` parts.
        code_finder: the :class:`~vpnfsm.nlp.protocols.CodeFinder`.
        intent_classifier: the :class:`~vpnfsm.nlp.protocols.IntentClassifier`.
        signal_detector: the :class:`~vpnfsm.nlp.protocols.SignalDetector`.
        choices: per slot, the order a prompt lists its options in, so "the first" can be read
            (defaults to the taxonomy order).

    """

    def __init__(
        self,
        *,
        os_matcher: SlotMatcher | None = None,
        client_matcher: SlotMatcher | None = None,
        symptom_matcher: SlotMatcher | None = None,
        code_finder: CodeFinder | None = None,
        intent_classifier: IntentClassifier | None = None,
        signal_detector: SignalDetector | None = None,
        choices: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """Build the parts once; the vocabulary file is read at most once per process."""
        vocab = load_vocabulary()
        choices = choices or {}
        self._os: SlotMatcher = os_matcher or OsMatcher(vocab, choices=choices.get("os"))
        self._client: SlotMatcher = client_matcher or ClientMatcher(vocab, choices=choices.get("client"))
        self._symptom: SlotMatcher = symptom_matcher or SymptomMatcher(vocab)
        self._codes = CodeMatcher(vocab)
        self._code: CodeFinder = code_finder or self._codes
        self._intent: IntentClassifier = intent_classifier or RuleIntentClassifier(vocab)
        self._signals: SignalDetector = signal_detector or RuleSignalDetector(vocab)

    def extract(self, text: str, *, context: str | None = None) -> Extraction:
        """Read one message in the context of the current machine state.

        Args:
            text: what the user typed (any length; of a longer text than :data:`MAX_CHARS`
                only the head and tail are read, and evidence spans index ``text`` itself).
            context: the machine state the bot is in (``"VPN_ASK_OS"``), ``None`` when fresh.

        Returns:
            The extraction, with one :class:`~vpnfsm.nlp.model.Evidence` per value.

        Raises:
            TypeError: ``text`` is not a string.

        """
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        window = scan_window(text, MAX_CHARS)
        msg = Message.of(window)
        turn = read_context(context)
        known: dict[str, str] = {}
        os_hit = self._os.match(msg, turn, known)
        if os_hit is not None:
            known["os"] = os_hit.value
        code = self._code.find(msg, turn)
        symptom = self._symptom.match(msg, turn, known)
        client = self._client.match(msg, turn, known)
        client = client or _client_from_hints(symptom, code)
        if turn.pending != "error_code":
            # At "what is the code?" the symptom is already known; a code's meaning must not
            # overwrite what the user said about it.
            symptom = self._resolve_symptom(symptom, code)
        facts = Facts(os=os_hit, client=client, symptom=symptom, error_code=code)
        intent_hit = self._intent.classify(msg, turn, facts)
        intent: Intent = intent_hit.value if is_intent(intent_hit.value) else "general"  # type: ignore[assignment]
        if intent != "vpn":
            # Client and symptom describe VPN trouble; elsewhere they would mislead the flow.
            client = symptom = None
        answered = _answered(turn, os_hit, client, symptom, code)
        signals = self._signals.detect(msg, turn, answered)
        if turn.pending == "result" and signals.result is None:
            # "now it says certificate error": a newly reported problem means the steps failed.
            news = symptom if symptom is not None and symptom.weight >= 2 else code
            if news is not None:
                failed = Hit("failed", f"result:failed-from-{news.rule}", news.start, news.end)
                signals = signals._replace(result=failed)
        hits: list[tuple[str, Hit | None]] = [
            ("intent", intent_hit),
            ("os", os_hit),
            ("client", client),
            ("symptom", symptom),
            ("error_code", code),
            ("human", signals.human),
            ("reset", signals.reset),
            ("dont_know", signals.dont_know),
            ("result", signals.result),
        ]
        at = _Offsets(len(text), len(window))
        evidence = tuple(
            build(
                Evidence,
                {"field": name, "value": hit.value, "rule": hit.rule, "start": at(hit.start), "end": at(hit.end)},
            )
            for name, hit in hits
            if hit is not None and (name != "intent" or hit.value == intent)
        )
        result = signals.result.value if signals.result is not None else None
        return build(
            Extraction,
            {
                "intent": intent,
                "intent_confidence": _intent_confidence(intent_hit.rule),
                "os": os_hit.value if os_hit else None,
                "client": client.value if client else None,
                "symptom": symptom.value if symptom else None,
                "second_symptom": None,
                "error_code": code.value if code else None,
                "human": signals.human is not None,
                "reset": signals.reset is not None,
                "dont_know": signals.dont_know is not None,
                "result": result,
                "evidence": evidence,
            },
        )

    def _resolve_symptom(self, symptom: Hit | None, code: Hit | None) -> Hit | None:
        """Apply a documented code's symptom; it beats only generic wording ("fails", "error")."""
        if code is None or (symptom is not None and symptom.weight >= 2):
            return symptom
        implied = self._codes.implied_symptom(code.value)
        if implied is None:
            return symptom
        return Hit(implied, f"code:{code.value}->symptom", code.start, code.end, weight=2)


def _intent_confidence(rule: str) -> float:
    """A simple confidence from the kind of rule that decided the intent (until a trained model gives one)."""
    if rule.endswith(":default"):
        return 0.3  # nothing said which topic
    if rule.endswith(":flow-context"):
        return 0.5  # kept the running flow's intent for want of a cue
    if ":from-" in rule:
        return 0.7  # inferred from a client, code or symptom
    return 0.9  # an explicit cue phrase


class _Offsets:
    """Maps a position in the scan window back to the text the user sent."""

    __slots__ = ("head", "shift")

    def __init__(self, text_len: int, window_len: int) -> None:
        # scan_window keeps the first half, a newline, then the last characters.
        cut = text_len > window_len
        self.head = MAX_CHARS // 2 if cut else window_len
        self.shift = text_len - window_len if cut else 0

    def __call__(self, pos: int) -> int:
        return pos if pos <= self.head else pos + self.shift


def _client_from_hints(symptom: Hit | None, code: Hit | None) -> Hit | None:
    """Take the client a vendor message or a product-specific code names, if the user did not."""
    for hit, kind in ((symptom, "message"), (code, "code")):
        if hit is not None and hit.hint:
            return Hit(hit.hint, f"client:from-{kind}:{hit.rule}", hit.start, hit.end)
    return None


def _answered(turn: Turn, os: Hit | None, client: Hit | None, symptom: Hit | None, code: Hit | None) -> bool:
    """Whether the message gave a value for the pending question."""
    by_field = {"os": os, "client": client, "symptom": symptom, "error_code": code}
    return turn.pending in by_field and by_field[turn.pending] is not None

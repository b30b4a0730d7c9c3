"""The default extractor: deterministic rules, vocabulary as data, every value explained.

:class:`RuleExtractor` glues the parts together; each part is replaceable (see
:mod:`vpnfsm.nlp.protocols`). It holds only compiled, immutable tables, so one instance is
safe to share between threads and does no I/O after construction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from vpnfsm._build import build
from vpnfsm._patterns import MAX_SCAN_CHARS, scan_window
from vpnfsm.nlp._boundaries import IntentBoundaries
from vpnfsm.nlp._codes import CodeMatcher
from vpnfsm.nlp._combine import (
    MIN_MODEL_WORDS,
    MIN_SYMPTOM_CONTENT_WORDS,
    MODEL_RULE,
    SYMPTOM_RULE_PRECISE_WEIGHT,
    VAGUE_WORDS,
    is_inferred,
    pick_intent,
    pick_symptom,
)
from vpnfsm.nlp._entities import ClientMatcher, OsMatcher
from vpnfsm.nlp._features import features
from vpnfsm.nlp._intent import RuleIntentClassifier
from vpnfsm.nlp._products import OtherProducts
from vpnfsm.nlp._signals import RuleSignalDetector
from vpnfsm.nlp._symptom_gaps import SymptomGaps
from vpnfsm.nlp._symptoms import SymptomMatcher
from vpnfsm.nlp._vocab import load_vocabulary
from vpnfsm.nlp.classifier import LinearClassifier, Prediction, default_classifier
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
        classifier: the trained model that fills the rules' gaps (default: the shipped
            weights, :func:`~vpnfsm.nlp.classifier.default_classifier`).
        use_classifier: ``False`` runs the rules alone (``vpnfsm eval --cv`` compares both).

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
        classifier: LinearClassifier | None = None,
        use_classifier: bool = True,
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
        self._model = (classifier or default_classifier()) if use_classifier else None
        self._boundaries = IntentBoundaries()
        self._gaps = SymptomGaps()
        self._products = OtherProducts()

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
        # Boundaries and the classifier read fresh requests only: inside a flow its context decides.
        fresh = turn.flow_intent is None
        intent_guess: Prediction | None = None
        if fresh and is_inferred(intent_hit.rule):
            intent_hit = self._boundaries.decide(msg) or intent_hit
            if is_inferred(intent_hit.rule):
                intent_guess = self._predict(msg, "intent")
        intent_hit, confidence, intent_model = pick_intent(intent_hit, intent_guess)
        intent: Intent = intent_hit.value if is_intent(intent_hit.value) else "general"  # type: ignore[assignment]
        second: str | None = None
        symptom_model: Prediction | None = None
        if intent == "vpn" and client is None and (fresh or turn.pending == "client"):
            client = self._products.match(msg)
        if intent in ("vpn", "general") and (fresh or turn.pending == "symptom"):
            if symptom is None:
                symptom, second = self._gaps.match(msg)
            else:
                symptom = self._gaps.recast(msg, symptom)
                second = self._second_symptom(msg, turn, known, symptom)
            # The model is asked only where its answer can count: no precise rule, a VPN reading.
            vpn_reading = intent == "vpn" or (intent_guess is not None and intent_guess.label == "vpn")
            says_what = sum(word not in VAGUE_WORDS for word in msg.words) >= MIN_SYMPTOM_CONTENT_WORDS
            open_gap = symptom is None or symptom.weight < SYMPTOM_RULE_PRECISE_WEIGHT
            if fresh and vpn_reading and says_what and open_gap:
                symptom, symptom_model, model_second = pick_symptom(symptom, self._predict(msg, "symptom"))
                second = second or model_second
        if intent != "vpn":
            # Client and symptom describe VPN trouble; elsewhere they would mislead the flow.
            client = None
            if intent != "general":
                symptom = None
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
        models = {"intent": intent_model, "symptom": symptom_model}
        at = _Offsets(len(text), len(window))
        evidence = tuple(
            _evidence(name, hit, self._explained(msg, name, models.get(name)), at)
            for name, hit in hits
            if hit is not None and (name != "intent" or hit.value == intent)
        )
        result = signals.result.value if signals.result is not None else None
        return build(
            Extraction,
            {
                "intent": intent,
                "intent_confidence": confidence,
                "os": os_hit.value if os_hit else None,
                "client": client.value if client else None,
                "symptom": symptom.value if symptom else None,
                "second_symptom": second if symptom else None,
                "error_code": code.value if code else None,
                "human": signals.human is not None,
                "reset": signals.reset is not None,
                "dont_know": signals.dont_know is not None,
                "result": result,
                "evidence": evidence,
            },
        )

    def _second_symptom(self, msg: Message, turn: Turn, known: dict[str, str], first: Hit) -> str | None:
        """Another symptom in the words after (else before) the leading one ("drops, and slow too")."""
        for part in (msg.text[first.end :], msg.text[: first.start]):
            if len(part) > 3:
                words = Message.of(part)  # prepared once for both matchers, as the whole message is
                hit = self._symptom.match(words, turn, known) or self._gaps.match(words)[0]
                if hit is not None and hit.value != first.value:
                    return hit.value
        return None

    def _explained(self, msg: Message, head: str, model: Prediction | None) -> Prediction | None:
        """The prediction with its top features, found only for a value the model gave."""
        if model is None or self._model is None:
            return model
        return model._replace(features=self._model.explain_features(self._features(msg), head, model.label))

    def _predict(self, msg: Message, head: str) -> Prediction | None:
        """One head's prediction (features computed once per message), ``None`` without a model."""
        if self._model is None or len(msg.words) < MIN_MODEL_WORDS:
            return None
        return self._model.predict_head(self._features(msg), head)

    @staticmethod
    def _features(msg: Message) -> list[str]:
        """The model's features of ``msg``, computed once per message."""
        found = msg.memo.get("model-features")
        if not isinstance(found, list):
            found = features(msg.words)
            msg.memo["model-features"] = found
        return found

    def _resolve_symptom(self, symptom: Hit | None, code: Hit | None) -> Hit | None:
        """Apply a documented code's symptom; it beats only generic wording ("fails", "error")."""
        if code is None or (symptom is not None and symptom.weight >= 2):
            return symptom
        implied = self._codes.implied_symptom(code.value)
        if implied is None:
            return symptom
        return Hit(implied, f"code:{code.value}->symptom", code.start, code.end, weight=2)


def _evidence(name: str, hit: Hit, model: Prediction | None, at: _Offsets) -> Evidence:
    """The evidence of one value: the rule and span, or the classifier's probability and features."""
    values = {"field": name, "value": hit.value, "rule": hit.rule, "start": at(hit.start), "end": at(hit.end)}
    if model is not None and hit.rule == MODEL_RULE:
        values["probability"], values["features"] = model.probability, model.features
    else:
        values["probability"], values["features"] = None, ()
    return build(Evidence, values)


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

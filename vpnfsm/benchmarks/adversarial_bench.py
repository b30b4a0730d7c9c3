"""``vpnfsm bench --adversarial``: what the worst message costs, next to a normal one, in one run.

Every pattern that sees user text is RE2 (linear time) and every text a pattern sees is capped,
so no message can cost much more than an ordinary one. This benchmark checks that claim the way
an attacker would: it builds messages from the known backtracking traps (the inputs that
stalled the old ``re`` rules), from repeats of every alternation word in the vocabulary, and
from runs of whitespace, separators, digits and invisible characters, each as long as the
facade accepts, and times a whole in-memory turn for each, beside the median turn of ordinary
300-character reports. The figure that matters is ``worst_ratio``: the slowest adversarial turn
over the normal median.
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable, Iterator

__all__ = ["NORMAL_MESSAGES", "adversarial_messages", "run_adversarial_bench"]

#: Ordinary reports of about 300 characters, written here, the way employees type.
NORMAL_MESSAGES: tuple[str, ...] = (
    "hi, since this morning my vpn on windows 11 wont connect, globalprotect just sits at "
    "'connecting...' for a minute and then says gateway not reachable. i rebooted twice and "
    "tried from home wifi and my phone hotspot, same thing. colleagues seem fine. error 809 "
    "showed up once. can you help? thx",
    "Anyconnect on my macbook (sonoma 14.5) connects fine but then I cant reach any internal "
    "sites, jira and confluence time out, sharepoint too. outlook works. it started after the "
    "update yesterday i think. I already tried disconnecting and reconnecting a few times and "
    "restarting the laptop, nothing changed",
    "forticlient keeps dropping every 10 minutes or so when im on the train, then it asks me to "
    "log in again and the mfa push takes forever. on ubuntu 22.04 with the forticlient 7.2 deb "
    "package. the log says -14 unable to establish the vpn connection at 98%. is there a fix "
    "for this or a setting?",
    "vpn super slow today, downloads from the file share crawl at like 200kb/s and teams calls "
    "over the tunnel are choppy. wireguard on windows 10 laptop, home fibre is 500mbit and "
    "speedtest without vpn is fine. it was ok last week. not sure if its the server or my "
    "side, could someone have a look pls",
)

# The inputs named in the hardening issue (they stalled the old rules), as templates of n.
_KNOWN_TRAPS: tuple[tuple[str, Callable[[int], str]], ...] = (
    ("neg-reach-inside", lambda n: "network: I can't open " + "the " * n + "banana"),
    ("cued-code-spaces", lambda n: "1 error" + " " * n + "x"),
    ("dash-pairs", lambda n: "a-" * n),
    ("ubuntu-release-lookahead", lambda n: "22.04 " * n),
    ("samsung-model-lookahead", lambda n: "galaxy s21 " * n),
    ("key-like-run", lambda n: "a1" * n),
    ("phone-digits", lambda n: "+1 " + "2 " * n),
    ("email-run", lambda n: "a." * n + "@"),
)

# Runs an engine may trip over: whitespace, separators, digits, invisible and combining marks.
_RUNS: tuple[str, ...] = (
    " ", "\t", "\n", "-", ".", ":", "/", "_", "'", "\u2019", "#", "(", "[", "=", "1", "1 ", "1.", "-1",
    "0x", "error ", "code ", "not ", "can't ", "password ", "pw: ", "@", "a@", "\u200b", "e\u0301",
    "ü", "пароль ", "no ", "the ", "vpn ",
)


def _alternation_words() -> list[str]:
    """Every literal word of the vocabulary's alternations (what a rule may loop over)."""
    from vpnfsm.nlp._vocab import AliasRule, WeightedRule, load_vocabulary

    vocab = load_vocabulary()
    words: set[str] = set()
    rules: list[AliasRule | WeightedRule] = [
        *vocab.symptom_rules,
        *vocab.message_rules,
        *vocab.os_rules,
        *vocab.client_rules,
        *itertools.chain.from_iterable(vocab.intent_rules.values()),
        *itertools.chain.from_iterable(vocab.signal_rules.values()),
    ]
    for rule in rules:
        for piece in rule.source.replace("(", "|").replace(")", "|").split("|"):
            word = piece.strip("?:\\sb*+ ").lower()
            if word.isalpha() and 2 <= len(word) <= 14:
                words.add(word)
    return sorted(words)


def _fill(unit: str, length: int) -> str:
    return (unit * (length // max(1, len(unit)) + 1))[:length]


def adversarial_messages(length: int) -> Iterator[tuple[str, str]]:
    """``(name, message)`` pairs of about ``length`` characters, built to be expensive."""
    for name, template in _KNOWN_TRAPS:
        n = 1
        while len(template(n * 2)) <= length:
            n *= 2
        yield name, template(n)
    for unit in _RUNS:
        # A word first, so a run of whitespace is a message and not an empty one.
        yield f"run:{unit!r}", "vpn " + _fill(unit, length - 4)
    words = _alternation_words()
    # Repeats of each alternation word, alone and after a negation ("can't open the the ...").
    for word in words:
        yield f"repeat:{word}", _fill(word + " ", length)
    for word in words[::7]:
        yield f"neg-repeat:{word}", "i can't " + _fill(word + " ", length - 8)
    yield "all-words", _fill(" ".join(words) + " ", length)


def _median_ns(call: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        call()
        samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples)


def run_adversarial_bench(*, repeat: int = 15) -> dict[str, object]:
    """Time one whole in-memory turn per message; report normal median, worst, ratio."""
    from vpnfsm import Assistant
    from vpnfsm._turn import DEFAULT_MAX_MESSAGE_CHARS

    bot = Assistant()
    length = DEFAULT_MAX_MESSAGE_CHARS
    counter = itertools.count()

    def turn(text: str) -> Callable[[], object]:
        # A fresh session each time: every turn reads the text with a full extraction.
        return lambda: bot.handle(text, session_id=f"adv-{next(counter)}")

    for text in NORMAL_MESSAGES:  # warm caches and compile everything before timing
        turn(text)()
    normal = statistics.median(_median_ns(turn(text), repeat * 4) for text in NORMAL_MESSAGES)
    timed = [(name, len(text), _median_ns(turn(text), repeat)) for name, text in adversarial_messages(length)]
    timed.sort(key=lambda item: item[2], reverse=True)
    worst_name, worst_len, worst = timed[0]
    return {
        "messages": len(timed),
        "message_chars": length,
        "normal_turn_us": round(normal / 1000, 1),
        "worst": {"name": worst_name, "chars": worst_len, "turn_us": round(worst / 1000, 1)},
        "worst_ratio": round(worst / normal, 2),
        "top5": [{"name": n, "chars": c, "turn_us": round(t / 1000, 1)} for n, c, t in timed[:5]],
    }

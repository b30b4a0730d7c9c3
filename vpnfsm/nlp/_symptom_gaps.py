"""Everyday and other-language symptom phrasing the main symptom vocabulary does not cover.

These rules run only where :class:`~vpnfsm.nlp._symptoms.SymptomMatcher` found nothing, before
the trained classifier is asked: "speeds are awful", "won't hold the connection", "name or
service not known", and the same kinds in Chinese, Russian, Persian and Turkish, which real
reports are often written in. Each rule is data (id, label, pattern); the earliest match in the
message is the leading symptom, a later one with another label the second symptom.
"""

from __future__ import annotations

from typing import NamedTuple

from vpnfsm._patterns import compile_user
from vpnfsm.nlp.protocols import Hit, Message

__all__ = ["GAP_RULES", "RECAST_RULES", "GapRule", "RecastRule", "SymptomGaps"]


class GapRule(NamedTuple):
    """One phrase kind: its id, the taxonomy symptom and the pattern (RE2, on folded text)."""

    id: str
    label: str
    pattern: str


GAP_RULES: tuple[GapRule, ...] = (
    GapRule(
        "speed-words",
        "slow",
        r"\b(?:speeds?|throughput|bandwidth|transfer rates?|ping (?:\w+ ){0,2}(?:high|shoots?|spikes?))\b"
        r"|\blag\w*\b|慢|速度|网速|медленн\w*|скорост\w*|کند|yavaş\w*",
    ),
    GapRule(
        "drop-words",
        "disconnects",
        r"\b(?:won'?t|doesn'?t|does not|can'?t) hold\b|\blos(?:e|es|ing|t) (?:\w+ ){0,2}connectivity\b"
        r"|\b(?:remain|stay|stays|staying) connected\b|\bkeep (?:\w+ ){0,2}alive\b"
        r"|\bstall\w*\b|\binterrupt\w*\b|断开|断线|掉线|一直掉|老是掉|пропада\w*|обрыв\w*",
    ),
    GapRule(
        "name-words",
        "dns",
        r"\bname or service not known\b|\bcould not resolve\b|\bresolv\w*\b|\bhostnames?\b|域名|解析",
    ),
    GapRule(
        "reach-words",
        "connected_no_access",
        r"\bkill ?switch\b|\bno traffic\b|\bcan'?t reach\b|\bcannot reach\b|上不了|打不开|не груз\w*",
    ),
    # Something else fails only while the tunnel is up ("docker pull fails while on the vpn",
    # "can't reach the web ui with vpn active"): connected, no access. Written from the
    # taxonomy's meaning; the corpus showed how often reports say it this way.
    GapRule(
        "fails-while-on",
        "connected_no_access",
        r"\b(?:can'?t|cannot|unable to|not able to|doesn'?t work|does not work|not working|stops? working"
        r"|won'?t work|fails?|failing)\b.{0,60}\b(?:when|while|whilst|with|during)\b.{0,24}"
        r"\bvpn\b(?: (?:is |was )?(?:on|active|enabled|connected|running|turned on))?",
    ),
    GapRule("connect-words", "cannot_connect", r"无法连接|连接失败|连不上|握手|拒绝|не могу подключ\w*|не подключа\w*"),
    GapRule(
        "app-words",
        "client_error",
        r"\bunresponsive\b|\bfreez\w*\b|\bhelper service\b|\bkeychain\b|\bsock not found\b|无法安装|报错",
    ),
)


class RecastRule(NamedTuple):
    """A phrase's label read again in its setting: ``source`` becomes ``label`` when ``pattern`` matches."""

    id: str
    source: str
    label: str
    pattern: str


#: "can't connect to the hosts *through the VPN*" is a tunnel that is up with nothing behind
#: it, not a tunnel that never came up; the setting says which (vendor messages are never recast).
RECAST_RULES: tuple[RecastRule, ...] = (
    RecastRule(
        "through-the-tunnel",
        "cannot_connect",
        "connected_no_access",
        r"\b(?:through|via|behind|while on|while connected to|when connected to|after connecting to)"
        r" (?:the |a |my |our )?(?:corporate |company |work )?vpn\b|\bvpn is (?:active|enabled|up)\b",
    ),
)


class SymptomGaps:
    """Finds the leading (and a second) symptom among :data:`GAP_RULES`."""

    def __init__(self, rules: tuple[GapRule, ...] = GAP_RULES, recasts: tuple[RecastRule, ...] = RECAST_RULES) -> None:
        """Compile each rule through the RE2 compile point."""
        self._rules = tuple((rule, compile_user(rule.pattern, name=f"symptom-gap:{rule.id}")) for rule in rules)
        self._recasts = tuple((rule, compile_user(rule.pattern, name=f"symptom-recast:{rule.id}")) for rule in recasts)

    def recast(self, msg: Message, hit: Hit) -> Hit:
        """Return ``hit`` relabelled when its setting says otherwise (never a vendor message's)."""
        if hit.weight >= 4:
            return hit
        for rule, pattern in self._recasts:
            if hit.value == rule.source and pattern.search(msg.scan) is not None:
                return hit._replace(value=rule.label, rule=f"{hit.rule}+recast:{rule.id}")
        return hit

    def match(self, msg: Message) -> tuple[Hit | None, str | None]:
        """Return the earliest symptom hit and another symptom the message shows, if any."""
        found: list[Hit] = []
        for rule, pattern in self._rules:
            # msg.scan: the folded text encoded once for all these rules, not once per rule.
            m = pattern.search(msg.scan)
            if m is not None:
                found.append(Hit(rule.label, f"symptom:{rule.label}:gap:{rule.id}", m.start(), m.end(), weight=2))
        if not found:
            return None, None
        found.sort(key=lambda hit: hit.start)
        second = next((hit.value for hit in found[1:] if hit.value != found[0].value), None)
        return found[0], second

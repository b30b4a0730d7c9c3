"""Intent boundaries: what a fresh message is about when only an inference named its intent.

The taxonomy draws the lines (``shared/nlp-taxonomy.md``): MFA, authenticator and lock-out
trouble is ``password_reset`` unless a VPN is named; a reset mail that never arrives is a
password reset, not e-mail trouble; outbox, sync, quota, relaying and delivery are ``email``;
an update, installer, printer or Wi-Fi problem is ``general`` even when it shows a code or a
symptom. These rules apply only where the intent classifier *inferred* the intent (from a
symptom, a code, a mail word or nothing; see :data:`~vpnfsm.nlp._combine.INFERRED_INTENT_RULES`):
a VPN word, a client or a vendor message always wins. The first rule that matches decides.
Each rule is declared as data: the words it needs and the words that veto it.
"""

from __future__ import annotations

from typing import NamedTuple

from vpnfsm._patterns import PatternSet
from vpnfsm.nlp.protocols import Hit, Message

__all__ = ["BOUNDARY_RULES", "BoundaryRule", "IntentBoundaries"]

_NETWORK = (
    r"vpn|\b(?:connect\w*|reconnect\w*|disconnect\w*|tunnel\w*|gateway|portal|server|ldap|radius|"
    r"auth_failed|tls|ipsec|handshake)\b|впн"
)


class BoundaryRule(NamedTuple):
    """One boundary: ``needs`` must match, ``unless`` (when given) must not."""

    id: str
    intent: str
    needs: str
    unless: str | None = None


#: In order: the first rule whose words match (and whose veto does not) decides.
BOUNDARY_RULES: tuple[BoundaryRule, ...] = (
    # VPN products and set-ups the cue list does not name ("AirVPN", "site-to-site", "ВПН"),
    # and "VPN" written between other-script words ("连接VPN失败"): a VPN is named.
    BoundaryRule(
        "vpn-named",
        "vpn",
        r"vpn|впн|\bsite-to-site\b|\b(?:full|split)[- ]?tunnel\w*|\bshadowsocks\w*|\bwiresock\b",
    ),
    # The mail client's own password prompt is the e-mail flow's problem ("Outlook keeps asking
    # for my password"), not a reset: written here from the e-mail flow's vocabulary.
    BoundaryRule(
        "mail-password-prompt",
        "email",
        r"\b(?:outlook|thunderbird|apple mail|mail app|mail client|exchange|webmail)\b.{0,60}"
        r"\b(?:(?:keeps? |kept )?(?:ask|asks|asking|prompt|prompts|prompting) (?:me )?(?:for|about) (?:my |the |a )?"
        r"pass(?:word|wd)s?|pass(?:word|wd) (?:prompt|pop-?up|dialog)s?)\b",
        r"\b(?:reset\w*|forg[eo]t\w*|expired?)\b",
    ),
    BoundaryRule(
        "reset-mail",
        "password_reset",
        r"\b(?:reset\w*|forg[eo]t\w*|recover\w*)\b.{0,80}\b(?:pass(?:word|wd|wort)s?|credentials?|link)\b"
        r"|\bpass(?:word|wd|wort)s?\b.{0,80}\b(?:reset\w*|forg[eo]t\w*|recover\w*)\b"
        r"|(?:忘记|重置|找回).{0,20}密码|密码.{0,20}(?:忘记|重置|找回)",
    ),
    BoundaryRule(
        "account-mfa",
        "password_reset",
        r"\b(?:2fa|mfa|two[- ]?factor|2[- ]?step|totp|authenticator|backup codes?|recovery codes?)\b",
        _NETWORK,
    ),
    BoundaryRule(
        "lockout-expiry",
        "password_reset",
        r"\bunlock\w*\b|\blocked (?:out|due)\b|\b(?:account|user)s? (?:\w+ ){0,3}locked\b"
        r"|\btoo many (?:\w+ ){0,2}attempts\b|\bpass(?:word|wd)s? (?:\w+ ){0,2}expired\b"
        r"|\bexpired pass(?:word|wd)\b|\baccount (?:\w+ ){0,2}expired\b",
        _NETWORK,
    ),
    BoundaryRule(
        "not-vpn-device",
        "general",
        r"\b(?:kb[0-9]{6,7}|cumulative updates?|windows updates?|msi|installer|printers?|wi-?fi|wlan|"
        r"ethernet|hotspot|onedrive|samba|nas|licen[cs]e keys?|activation key|activate)\b",
        r"vpn|\btunnel\w*\b|впн",
    ),
    BoundaryRule(
        "mail-trouble",
        "email",
        r"\b(?:outbox|inbox|mailbox\w*|imap|smtp|pop3|exchange|caldav|carddav|davx5|relay\w*|recipients?|"
        r"attachments?|undeliver\w*|bounced?|quota|e-?mails?|mails?|webmail)\b|\b[245]\.[0-9]\.[0-9]{1,3}\b"
        r"|\bsync\w*|\bsynchroni[sz]\w*|邮箱|邮件",
        r"\bonedrive\b|\bdropbox\b|\bgoogle drive\b|\btime sync",
    ),
)


class IntentBoundaries:
    """Applies :data:`BOUNDARY_RULES` to a message (two linear passes: needs, vetoes)."""

    def __init__(self, rules: tuple[BoundaryRule, ...] = BOUNDARY_RULES) -> None:
        """Compile every rule's patterns through the RE2 compile point."""
        self._rules = rules
        self._needs = PatternSet([(f"boundary:{r.id}:needs", r.needs) for r in rules])
        vetoes = [(i, r) for i, r in enumerate(rules) if r.unless is not None]
        self._veto_rule = [i for i, _ in vetoes]
        self._unless = PatternSet([(f"boundary:{r.id}:unless", r.unless or "") for _, r in vetoes])

    def decide(self, msg: Message) -> Hit | None:
        """Return the boundary intent of the message, or ``None`` when no rule applies."""
        needed = self._needs.matching(msg.folded)
        if not needed:
            return None
        vetoed = {self._veto_rule[j] for j in self._unless.matching(msg.folded)}
        for i in needed:
            if i not in vetoed:
                rule = self._rules[i]
                return Hit(rule.intent, f"intent:{rule.intent}:boundary:{rule.id}", 0, 0)
        return None

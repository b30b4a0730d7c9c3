"""What the bot says for the turns the policy handles itself (meta turns, switches, other languages).

Plain data, so a reviewer can read every sentence in one place; the turn code
only picks and joins them.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "CASE_NAMES",
    "CLARIFY",
    "LABEL_NAMES",
    "ONLY_ENGLISH",
    "SAFETY",
    "TEXTS",
    "label_name",
    "only_english",
    "safety_answer",
]

#: A short explanation of each question, with examples, keyed by the slot it asks for.
CLARIFY: Mapping[str, str] = {
    "os": "I mean the system on the device you connect from: Windows (most office laptops), macOS "
    "(MacBook, iMac), Linux (Ubuntu, Fedora), iOS (iPhone, iPad), Android or ChromeOS (Chromebook). "
    "On a computer it is usually the logo you see when it starts; \"I don't know\" is fine too.",
    "client": "The VPN client is the app you start to connect, for example GlobalProtect (a globe icon), "
    "Cisco Secure Client or AnyConnect, FortiClient, OpenVPN, WireGuard, or the VPN built into Windows "
    "(Settings > Network > VPN). \"I don't know\" is fine too.",
    "symptom": "I mean what you see when you try: for example it never finishes connecting, the login is "
    "rejected, the code from your authenticator fails, a certificate warning appears, it connects but "
    "internal sites don't open, it keeps dropping, it is slow, or the app shows an error.",
    "error_code": "The code is usually in the VPN app's message window or its log, a number like 809, "
    "691 or -7200, or a short sentence such as \"The gateway is not responding\". Copy it here as it "
    "is; if there is none, say \"no code\".",
    "result": "I mean the numbered steps in my last message: after trying them, does the VPN work now? "
    "A yes or no is enough; \"no\" is fine, we then try something else.",
    "problem": "Tell me in a few words what goes wrong, for example \"I forgot my password\", "
    "\"my account is locked\" or \"Outlook doesn't sync\".",
    "recovery": "I mean how you can prove it's you when resetting: an authenticator app, a text "
    "message to your phone, a personal e-mail address, or none of these.",
    "mail_app": "I mean the program you read mail with: Outlook (desktop or web), the Mail app on a "
    "phone, Thunderbird, Gmail, ...",
}

#: The safe answer to "should I just ...?", by what the question is about.
SAFETY: Mapping[str, str] = {
    "certificate": "Please don't accept or click through a certificate warning: it can mean the "
    "connection is being intercepted. Leave it, and the steps here or a person from IT will check it.",
    "secret": "Never share your password, PIN or sign-in codes with me or anyone else; IT will never "
    "ask for them. I don't need them to help.",
    "disable": "Please don't switch off the antivirus, firewall or other security software yourself; "
    "if that is needed, a person from IT will do it with you.",
    "default": "When in doubt, please don't: nothing here needs a risky step, and a person from IT can "
    "do anything unusual with you.",
}

#: Words in a safety question that pick the answer (checked in this order).
SAFETY_TOPICS: Mapping[str, tuple[str, ...]] = {
    "certificate": ("certificate", "cert", "warning", "untrusted"),
    "secret": ("password", "passcode", "pin", "code", "credentials"),
    "disable": ("antivirus", "firewall", "defender", "disable", "turn off"),
}

#: "Only English", in English first and, for the common languages, in theirs.
ONLY_ENGLISH: Mapping[str, str] = {
    "en": "Sorry, I only understand English. If you like, I can pass this to a person on the IT "
    "support team: just say yes (or write again in English).",
    "de": "Leider verstehe ich nur Englisch. Wenn Sie möchten, gebe ich Ihr Anliegen an eine Person im "
    "IT-Support weiter: antworten Sie einfach mit ja.",
    "fr": "Désolé, je ne comprends que l'anglais. Si vous voulez, je transmets votre demande à une "
    "personne du support informatique : répondez simplement oui.",
    "es": "Lo siento, solo entiendo inglés. Si quiere, paso su caso a una persona del soporte "
    "informático: responda simplemente sí.",
    "it": "Mi dispiace, capisco solo l'inglese. Se vuole, passo la richiesta a una persona del supporto "
    "IT: risponda semplicemente sì.",
    "pt": "Desculpe, só entendo inglês. Se quiser, passo o seu caso a uma pessoa do suporte de TI: "
    "responda apenas sim.",
    "nl": "Sorry, ik begrijp alleen Engels. Als u wilt, geef ik uw vraag door aan een medewerker van "
    "de IT-helpdesk: antwoord gewoon ja.",
}

#: How a case is named to the user ("your VPN case", "back to the e-mail").
CASE_NAMES: Mapping[str, str] = {"vpn": "VPN", "email": "e-mail", "password": "password"}

#: Display names of taxonomy labels, for acknowledgements ("Got it: macOS.").
LABEL_NAMES: Mapping[str, str] = {
    "windows": "Windows",
    "macos": "macOS",
    "linux": "Linux",
    "ios": "iOS",
    "android": "Android",
    "chromeos": "ChromeOS",
    "anyconnect": "Cisco Secure Client (AnyConnect)",
    "globalprotect": "GlobalProtect",
    "forticlient": "FortiClient",
    "openvpn": "OpenVPN",
    "wireguard": "WireGuard",
    "windows_builtin": "the VPN built into Windows",
    "ivanti": "Ivanti Secure Access",
    "zscaler": "Zscaler",
    "checkpoint": "Check Point",
}

#: The other sentences of the policy, by name.
TEXTS: Mapping[str, str] = {
    "frustration": "I'm sorry this is being such a pain; let's get it sorted as quickly as we can.",
    "thanks_open": "You're welcome!",
    "thanks_done": "You're welcome! If anything else comes up, just tell me.",
    "thanks_handoff": "You're welcome! Your case is with the IT support team (reference {reference}{ticket}).",
    "bye_open": "Bye for now! This case stays open: write again any time and we'll carry on where we were.",
    "bye_done": "Bye, and have a good day!",
    "bye_handoff": "Bye! Your case is with the IT support team (reference {reference}{ticket}); a person "
    "will contact you.",
    "aside": "Noted.",
    "corrected": "Got it: {values}.",
    "retargeted": "Then these steps fit better:",
    "parked": "I've put your {parked} case aside; say \"back to the {short}\" whenever you want to continue it.",
    "one_parked": "Let's finish this {current} case first; your {parked} case is also waiting, and we'll "
    "come back to it.",
    "resumed": "Back to your {title} case.",
    "resumed_after": "Back to your {title} case, which was waiting.",
    "offer_return": "Your {title} case is still waiting: say \"back to the {short}\" to continue it.",
    "new_case": "That's a new case, so let's look at it separately.",
    "follow_up": "Your case is with the IT support team (reference {reference}{ticket}); a person will "
    "contact you. If something else comes up, just tell me.",
    "ask_topic": "I can pass your case to a person. What is it about (VPN, e-mail, password, ...)? Tell "
    "me in one sentence, so they get it with the details.",
    "general_handoff": "I'm handing this over to a person on the IT support team. Your reference is "
    "{reference}.",
}


def label_name(value: str) -> str:
    """How a label is shown to the user (the value itself when it has no display name)."""
    return LABEL_NAMES.get(value, value.replace("_", " "))


def safety_answer(text: str) -> str:
    """The safe answer for what a safety question is about."""
    lowered = text.lower()
    for topic, words in SAFETY_TOPICS.items():
        if any(word in lowered for word in words):
            return SAFETY[topic]
    return SAFETY["default"]


def only_english(language: str) -> str:
    """The only-English answer in English and, when known, in the user's language too."""
    own = ONLY_ENGLISH.get(language)
    return ONLY_ENGLISH["en"] if own is None or language == "en" else f"{ONLY_ENGLISH['en']}\n\n{own}"

"""What the extractor must understand: negation, typos, several facts, numbers, context answers."""

from __future__ import annotations

import pytest

from vpnfsm.nlp import Extraction, RuleExtractor


@pytest.fixture(scope="module")
def ex() -> RuleExtractor:
    return RuleExtractor()


# --- negation and correction -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "os"),
    [
        ("not windows, I'm on my macbook", "macos"),
        ("it isn't Windows, it's Ubuntu", "linux"),
        ("windows? no wait, actually it's a mac", "macos"),
        ("I don't use a mac, this is a Chromebook", "chromeos"),
        ("works fine on my iPhone but not on my Windows laptop", "windows"),
    ],
)
def test_negated_and_corrected_os(ex: RuleExtractor, text: str, os: str) -> None:
    assert ex.extract(text, context="VPN_ASK_OS").os == os


@pytest.mark.parametrize(
    ("text", "client"),
    [
        ("not GlobalProtect, it's FortiClient", "forticlient"),
        ("we switched from Pulse to AnyConnect", "anyconnect"),
        ("I don't have anyconnect, I use openvpn", "openvpn"),
        ("instead of wireguard we use Tailscale", "other"),
    ],
)
def test_negated_client(ex: RuleExtractor, text: str, client: str) -> None:
    assert ex.extract(text, context="VPN_ASK_CLIENT").client == client


def test_the_servers_system_is_not_the_users() -> None:
    ex = RuleExtractor()
    text = "Environment - Server: Ubuntu 22.04, Client: Windows 11. The tunnel never comes up."
    assert ex.extract(text).os == "windows"
    assert ex.extract("our vpn server runs on debian and my macbook can't connect").os == "macos"
    assert ex.extract("vpn server on debian").os == "linux"  # the only system named is still a fact


def test_a_lone_negated_mention_gives_no_value(ex: RuleExtractor) -> None:
    result = ex.extract("not windows", context="VPN_ASK_OS")
    assert result.os is None


def test_negated_symptom_word_is_not_the_symptom(ex: RuleExtractor) -> None:
    assert ex.extract("the vpn is not slow, it just disconnects").symptom == "disconnects"
    assert ex.extract("vpn won't connect, no certificate errors or anything").symptom == "cannot_connect"


# --- typos ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("anyconect", "client", "anyconnect"),
        ("globalprotct on win 11", "client", "globalprotect"),
        ("global protcet keeps dropping", "client", "globalprotect"),
        ("fortclient", "client", "forticlient"),
        ("wiregaurd drops", "client", "wireguard"),
        ("tunnelblik", "client", "openvpn"),
        ("ubunut", "os", "linux"),
        ("andriod phone", "os", "android"),
        ("windoes", "os", "windows"),
    ],
)
def test_typos_of_products_and_systems(ex: RuleExtractor, text: str, field: str, value: str) -> None:
    assert getattr(ex.extract(text, context="VPN_ASK_CLIENT"), field) == value


@pytest.mark.parametrize(
    "text",
    [
        "I go forth and try again",
        "grape juice for everyone",
        "please open the window",
        "my pulse rate is high after the stairs",
        "connect the second screen",
        "the fortune cookie said hello",
        "my mac address changed",
        "some cents left",
    ],
)
def test_ordinary_words_do_not_become_products(ex: RuleExtractor, text: str) -> None:
    result = ex.extract(text)
    assert result.client is None
    assert result.os is None


# --- several facts, the leading symptom, hedges ----------------------------------------------------


def test_several_facts_in_one_message(ex: RuleExtractor) -> None:
    result = ex.extract("GlobalProtect on my Windows 11 laptop can't connect, error 809")
    assert (result.intent, result.os, result.client, result.symptom, result.error_code) == (
        "vpn", "windows", "globalprotect", "cannot_connect", "809",
    )


@pytest.mark.parametrize(
    ("text", "symptom"),
    [
        ("GP stuck on connecting since the win11 update", "cannot_connect"),
        ("vpn keeps dropping and when it is up it is slow", "disconnects"),
        ("vpn is slow and sometimes drops", "slow"),
        ("I can't connect, it says the certificate is not valid", "certificate"),
        ("can't log in to the vpn, the duo push never arrives", "mfa"),
        ("vpn connects fine but I can't open any intranet sites", "connected_no_access"),
    ],
)
def test_leading_or_actual_symptom(ex: RuleExtractor, text: str, symptom: str) -> None:
    assert ex.extract(text).symptom == symptom


def test_hedged_client(ex: RuleExtractor) -> None:
    assert ex.extract("I think it's GlobalProtect, not 100% sure").client == "globalprotect"


# --- versions, ports, years, addresses are not codes ---------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "since the update to version 5.1.4 the vpn fails to connect",
        "I connect to 192.168.1.10 on port 443 and it times out",
        "since 2024 the vpn is slow",
        "forticlient stuck at 98%",
        "vpn drops every 10 minutes",
        "Windows 11 laptop, vpn down",
        "ubuntu 22.04 and wireguard, no handshake",
        "Pixel 8 cannot connect",
        "the vpn dropped at 10:30 today",
        "ping is 250 ms over the vpn",
        "my OTP code 482913 is rejected by the vpn",
        "the printer on floor 3 is jammed",
        "AnyConnect 4.10.07061 stuck connecting",
    ],
)
def test_numbers_that_are_not_codes(ex: RuleExtractor, text: str) -> None:
    assert ex.extract(text).error_code is None


@pytest.mark.parametrize(
    ("text", "code", "symptom"),
    [
        ("error 809 when I connect", "809", "cannot_connect"),
        ("Getting error 691 on the built-in Windows VPN", "691", "auth_failure"),
        ("IKE error 13801", "13801", "certificate"),
        ("forticlient gives me -14 at 98%", "-14", "cannot_connect"),
        ("Credential or SSLVPN configuration is wrong (-7200)", "-7200", "auth_failure"),
        ("install fails with 0x80070005", "0x80070005", "client_error"),
        ("Error code: 868", "868", "cannot_connect"),
        ("vpn 812 again", "812", "auth_failure"),
    ],
)
def test_codes_by_shape_and_their_symptom(ex: RuleExtractor, text: str, code: str, symptom: str) -> None:
    result = ex.extract(text)
    assert result.error_code == code
    assert result.symptom == symptom


def test_text_symptom_beats_code_symptom(ex: RuleExtractor) -> None:
    # 691 means credentials, but the user says the tunnel keeps dropping: the text wins.
    assert ex.extract("vpn keeps disconnecting, error 691 sometimes").symptom == "disconnects"


def test_code_implies_client_conservatively(ex: RuleExtractor) -> None:
    assert ex.extract("error 809 when I try to connect to the company vpn").client is None
    assert ex.extract("Error 720 on Windows VPN connection").client == "windows_builtin"
    assert ex.extract("error 800 on my windows 10 laptop").client == "windows_builtin"
    assert ex.extract("VPN not connecting, Windows, GlobalProtect, error 809").client == "globalprotect"
    assert ex.extract("the vpn says -7200").client == "forticlient"
    assert ex.extract("it says error -6005", context="VPN_ASK_ERROR_CODE").client is None


# --- vendor messages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "client", "symptom"),
    [
        ("TLS Error: TLS key negotiation failed to occur within 60 seconds", "openvpn", "cannot_connect"),
        ("AUTH: Received control message: AUTH_FAILED", "openvpn", "auth_failure"),
        ("VERIFY ERROR: depth=1, error=unable to get local issuer certificate", "openvpn", "certificate"),
        ("Handshake for peer 3 (1.2.3.4:51820) did not complete after 5 seconds, retrying", "wireguard",
         "cannot_connect"),
        ("Untrusted Server Blocked!", "anyconnect", "certificate"),
        ("Connection attempt has failed.", "anyconnect", "cannot_connect"),
        ("Required client certificate is not found", "globalprotect", "certificate"),
        ("Valid portal address could not be found", "globalprotect", "cannot_connect"),
        ("Unable to establish the VPN connection. The VPN server may be unreachable. (-14)", "forticlient",
         "cannot_connect"),
        ("The network connection between your computer and the VPN server could not be established",
         "windows_builtin", "cannot_connect"),
    ],
)
def test_vendor_messages(ex: RuleExtractor, text: str, client: str, symptom: str) -> None:
    result = ex.extract(text)
    assert (result.intent, result.client, result.symptom) == ("vpn", client, symptom)


# --- context answers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("context", "text", "field", "value"),
    [
        ("VPN_ASK_OS", "Windows", "os", "windows"),
        ("VPN_ASK_OS", "11", "os", "windows"),
        ("VPN_ASK_OS", "the first", "os", "windows"),
        ("VPN_ASK_CLIENT", "forti", "client", "forticlient"),
        ("VPN_ASK_CLIENT", "GP", "client", "globalprotect"),
        ("VPN_ASK_CLIENT", "the second one", "client", "globalprotect"),
        ("VPN_ASK_CLIENT", "the built-in one", "client", "windows_builtin"),
        ("VPN_ASK_CLIENT", "none, just the windows settings", "client", "windows_builtin"),
        ("VPN_ASK_SYMPTOM", "keeps kicking me out", "symptom", "disconnects"),
        ("VPN_ASK_ERROR_CODE", "it said -6005 I think", "error_code", "-6005"),
        ("VPN_ASK_SYMPTOM", "login", "symptom", "auth_failure"),
        ("VPN_ASK_SYMPTOM", "slow", "symptom", "slow"),
        ("VPN_ASK_ERROR_CODE", "809", "error_code", "809"),
        ("VPN_ASK_ERROR_CODE", "it's -14", "error_code", "-14"),
    ],
)
def test_short_answers_to_the_pending_question(
    ex: RuleExtractor, context: str, text: str, field: str, value: str
) -> None:
    result = ex.extract(text, context=context)
    assert getattr(result, field) == value
    assert result.intent == "vpn"
    assert not result.dont_know


def test_bare_numbers_are_only_an_os_at_ask_os(ex: RuleExtractor) -> None:
    assert ex.extract("11").os is None
    assert ex.extract("14", context="VPN_ASK_OS").os is None  # macOS 14 or iOS 14: not clear


@pytest.mark.parametrize(
    "text",
    ["no error code", "there is no error code", "no code", "it doesn't show one", "no", "I don't know"],
)
def test_no_code_is_dont_know_at_ask_error_code(ex: RuleExtractor, text: str) -> None:
    result = ex.extract(text, context="VPN_ASK_ERROR_CODE")
    assert result.dont_know
    assert result.error_code is None


@pytest.mark.parametrize("text", ["I don't know", "no idea", "not sure", "idk"])
def test_dont_know_at_any_question(ex: RuleExtractor, text: str) -> None:
    for state in ("VPN_ASK_OS", "VPN_ASK_CLIENT", "VPN_ASK_SYMPTOM"):
        assert ex.extract(text, context=state).dont_know


def test_a_report_with_dont_know_is_not_an_answer(ex: RuleExtractor) -> None:
    assert not ex.extract("I don't know why but the vpn drops every hour").dont_know


@pytest.mark.parametrize(
    ("text", "result"),
    [
        ("yes that fixed it", "worked"),
        ("works now", "worked"),
        ("thanks, all good", "worked"),
        ("it doesn't drop anymore, thanks", "worked"),
        ("no", "failed"),
        ("nope, same thing", "failed"),
        ("no, still broken", "failed"),
        ("didn't help", "failed"),
        ("not fixed", "failed"),
        ("it worked for a minute then dropped again", "failed"),
        ("now it says the certificate is invalid", "failed"),
        ("error 691 now", "failed"),
        ("works again, thanks", "worked"),
    ],
)
def test_check_result(ex: RuleExtractor, text: str, result: str) -> None:
    got = ex.extract(text, context="VPN_CHECK_RESULT")
    assert got.result == result
    assert got.intent == "vpn"


def test_result_only_when_asked(ex: RuleExtractor) -> None:
    assert ex.extract("yes that fixed it").result is None
    assert ex.extract("no", context="VPN_ASK_OS").result is None


# --- signals ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["talk to a human", "agent please", "get me a human", "can I speak to someone", "I want a real person"],
)
def test_human(ex: RuleExtractor, text: str) -> None:
    assert ex.extract(text, context="VPN_ASK_OS").human


@pytest.mark.parametrize("text", ["start over", "cancel", "restart the conversation", "let's start again"])
def test_reset(ex: RuleExtractor, text: str) -> None:
    assert ex.extract(text, context="VPN_ASK_CLIENT").reset


@pytest.mark.parametrize("text", ["I restarted my laptop", "I cancelled the install and retried", "hello"])
def test_not_reset(ex: RuleExtractor, text: str) -> None:
    assert not ex.extract(text, context="VPN_ASK_OS").reset


# --- intent and flows --------------------------------------------------------------------------------


def test_subject_change_mid_flow(ex: RuleExtractor) -> None:
    assert ex.extract("also my outlook won't sync", context="VPN_ASK_SYMPTOM").intent == "email"
    assert ex.extract("hello", context="VPN_ASK_OS").intent == "vpn"
    assert ex.extract("it says my account is locked", context="PWD_ASK_SYMPTOM").intent == "password_reset"
    assert ex.extract("outlook", context="EMAIL_ASK_CLIENT").intent == "email"
    assert ex.extract("and GlobalProtect won't connect", context="PWD_ASK_OS").intent == "vpn"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("my internet is slow at home", "general"),
        ("wifi keeps dropping in the office", "general"),
        ("my laptop is slow", "general"),
        ("connected but no internet", "vpn"),
        ("can't connect from my laptop since the update", "vpn"),
        ("when on vpn the internet is slow", "vpn"),
    ],
)
def test_symptoms_of_other_things_are_not_vpn(ex: RuleExtractor, text: str, intent: str) -> None:
    assert ex.extract(text).intent == intent


def test_vpn_login_failure_is_vpn(ex: RuleExtractor) -> None:
    assert ex.extract("AnyConnect says login failed").intent == "vpn"
    assert ex.extract("I forgot my password").intent == "password_reset"


def test_non_vpn_intent_drops_vpn_slots(ex: RuleExtractor) -> None:
    result = ex.extract("Outlook on my mac keeps asking for my password")
    assert (result.intent, result.os, result.client, result.symptom) == ("email", "macos", None, None)


# --- evidence ---------------------------------------------------------------------------------------


def _evidence(result: Extraction, field: str) -> tuple[str, str, int, int]:
    (item,) = [e for e in result.evidence if e.field == field]
    return item.value, item.rule, item.start, item.end


def test_every_value_has_evidence_with_its_span(ex: RuleExtractor) -> None:
    text = "Hey - FortiClient on Win11 fails with 'Credential or SSLVPN configuration is wrong (-7200)'"
    result = ex.extract(text)
    for field in ("os", "client", "symptom", "error_code"):
        value, rule, start, end = _evidence(result, field)
        assert value == getattr(result, field)
        assert rule
        assert 0 <= start < end <= len(text)
    assert text[slice(*_evidence(result, "client")[2:])] == "FortiClient"
    assert text[slice(*_evidence(result, "os")[2:])] == "Win11"
    assert text[slice(*_evidence(result, "error_code")[2:])] == "-7200"
    assert _evidence(result, "symptom")[1].startswith("msg:forticlient:")


def test_evidence_spans_index_the_original_text_with_odd_characters(ex: RuleExtractor) -> None:
    text = "İİİ straße — GlobalProtect ärger: error 809"
    result = ex.extract(text)
    _, _, start, end = _evidence(result, "client")
    assert text[start:end] == "GlobalProtect"
    _, _, start, end = _evidence(result, "error_code")
    assert text[start:end] == "809"


def test_implied_values_say_where_they_come_from(ex: RuleExtractor) -> None:
    result = ex.extract("error 691")
    value, rule, start, end = _evidence(result, "symptom")
    assert (value, rule) == ("auth_failure", "code:691->symptom")
    assert (start, end) == (6, 9)


def test_signal_evidence(ex: RuleExtractor) -> None:
    result = ex.extract("nope, same thing", context="VPN_CHECK_RESULT")
    assert [e.field for e in result.evidence if e.field == "result"] == ["result"]


def test_rejects_non_string(ex: RuleExtractor) -> None:
    with pytest.raises(TypeError):
        ex.extract(b"bytes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "symptom"),
    [
        ("vpn keeps disconecting", "disconnects"),
        ("vpn certficate error", "certificate"),
        ("authentification failed on the vpn", "auth_failure"),
        ("vpn says wrong pasword", "auth_failure"),
        ("anyconect wont conect", "cannot_connect"),
        ("vpn keeps droping", "disconnects"),
    ],
)
def test_typos_in_symptom_words(ex: RuleExtractor, text: str, symptom: str) -> None:
    assert ex.extract(text).symptom == symptom

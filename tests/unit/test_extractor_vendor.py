"""Vendor dialog and log texts map to the right symptom (and client, when the text is specific).

These are typical messages of each product family, paraphrased from their documented wording.
"""

from __future__ import annotations

import pytest

from vpnfsm.nlp import RuleExtractor

EX = RuleExtractor()

CASES = [
    # OpenVPN (community, Connect, Tunnelblick, Viscosity, NetworkManager)
    ("TLS Error: cannot locate HMAC in incoming packet from [AF_INET]1.2.3.4:1194", "cannot_connect",
     "openvpn"),
    ("Authenticate/Decrypt packet error: packet HMAC authentication failed", "cannot_connect", "openvpn"),
    ("RESOLVE: Cannot resolve host address: vpn.example.net:1194", "cannot_connect", "openvpn"),
    ("Inactivity timeout (--ping-restart), restarting", "disconnects", "openvpn"),
    ("Options error: --ca fails with 'ca.crt': No such file or directory", "client_error", "openvpn"),
    ("Tunnelblick: This computer's apparent public IP address was not different after connecting",
     "connected_no_access", "openvpn"),
    ("NetworkManager says VPN connection failed to activate", "cannot_connect", None),
    # WireGuard
    ("Invalid handshake initiation from peer 2", "cannot_connect", "wireguard"),
    ("RTNETLINK answers: Operation not supported", "client_error", "wireguard"),
    ("Unable to create network adapter: Cannot create a file when that file already exists.", "client_error",
     None),
    # AnyConnect / Secure Client / openconnect
    ("The certificate on the secure gateway is invalid. A VPN connection will not be established.",
     "certificate", None),
    ("Login denied, unauthorized connection mechanism, contact your administrator.", "auth_failure", None),
    ("The VPN client agent was unable to create the interprocess communication depot.", "client_error",
     "anyconnect"),
    ("AnyConnect cannot confirm it is connected to your secure gateway.", "cannot_connect", "anyconnect"),
    ("Failed to obtain WebVPN cookie", "auth_failure", "anyconnect"),
    # GlobalProtect
    ("Your GlobalProtect session has timed out. Please click Connect to reconnect", "disconnects",
     "globalprotect"),
    ("The network connection is unreachable or the gateway is unresponsive", "cannot_connect",
     "globalprotect"),
    ("Could not connect to the GlobalProtect service. Reconnecting...", "client_error", "globalprotect"),
    # FortiClient / openfortivpn
    ("Permission denied. (-455)", "auth_failure", "forticlient"),
    ("ERROR: Could not authenticate to gateway. Please check the password, client certificate, etc.",
     "auth_failure", "forticlient"),
    ("ERROR: SSL_connect: error:0A000126:SSL routines::unexpected eof while reading", "cannot_connect", None),
    # Windows built-in
    ("Can't connect to VPN. The connection was terminated by the remote computer before it could be "
     "completed.", "cannot_connect", "windows_builtin"),
    ("Error 691: The remote connection was denied because the user name and password combination you "
     "provided is not recognized", "auth_failure", "windows_builtin"),
    ("The L2TP connection attempt failed because the security layer could not negotiate compatible "
     "parameters with the remote computer.", "cannot_connect", "windows_builtin"),
    # Apple, strongSwan, Ivanti
    ("The VPN server did not respond. Verify the server address and try reconnecting.", "cannot_connect",
     "ipsec_other"),
    ("charon: sending retransmit 5 of request message ID 0", "cannot_connect", None),
    ("no shared key found for 'vpn.example.com' - '10.0.0.2'", "auth_failure", "ipsec_other"),
    ("The connection to the secure gateway has been interrupted", "disconnects", None),
]


@pytest.mark.parametrize(("text", "symptom", "client"), CASES)
def test_vendor_message(text: str, symptom: str, client: str | None) -> None:
    result = EX.extract(text)
    assert result.intent == "vpn"
    assert result.symptom == symptom
    if client is not None:
        assert result.client == client
    rules = [e.rule for e in result.evidence if e.field == "symptom"]
    assert len(rules) == 1
    assert rules[0].startswith(("msg:", "symptom:", "code:"))


@pytest.mark.parametrize(
    ("text", "os"), [("PC", "windows"), ("a Dell laptop", "windows"), ("it's a Surface", "windows")]
)
def test_pc_answers_at_ask_os(text: str, os: str) -> None:
    assert EX.extract(text, context="VPN_ASK_OS").os == os
    assert EX.extract(text).os in (None, "windows")


def test_help_request_is_not_a_human_request() -> None:
    assert not EX.extract("can someone help me with the vpn").human
    assert EX.extract("can someone call me", context="VPN_ASK_OS").human

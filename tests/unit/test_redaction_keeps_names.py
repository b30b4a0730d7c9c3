"""Regression: redaction ate product names, hosts and plain compounds that a technician needs.

Found by comparing the extractor on real reports before and after redaction: the no-cue
detector fired on everyday words ("using"), and words wrapped in markdown or joined with a
hyphen or slash looked password-like. Sentences written here, the way people type them.
"""

from __future__ import annotations

import pytest

from vpnfsm.redact import redact


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("im using **OpenVPN** connect on the laptop and it hangs", "OpenVPN"),
        ("set `VPN_TECH=NordLynx` in the compose file, now nothing connects", "NordLynx"),
        ("two-factor prompt never shows when i log in to the vpn", "two-factor"),
        ("log says Username/Password verification failed for peer", "Username/Password"),
        ("cant login to outlook.office.com since this morning", "outlook.office.com"),
        ("vpn登录失败，密码是对的，但是一直说Login Failed", "Login"),
    ],
)
def test_names_and_compounds_survive_redaction(text: str, kept: str) -> None:
    assert kept in redact(text)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("i typed **Qx8!pLm2** three times, login failed", "Qx8!pLm2"),
        ("my password is gw.corp.example", "gw.corp.example"),
    ],
)
def test_real_secrets_are_still_removed(text: str, secret: str) -> None:
    assert secret not in redact(text)

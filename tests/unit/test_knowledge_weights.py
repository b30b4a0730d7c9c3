"""Knowledge tables declare their own keys and weights; the VPN table keeps the built-in ones."""

from __future__ import annotations

import pytest

from vpnfsm.flows.knowledge import WEIGHTS, load_table, parse_table


def test_memo_distinguishes_facts_outside_the_vpn_weights() -> None:
    # Regression: the memo key once read only the VPN fact names, so every
    # e-mail question got the answer cached for the first one.
    table = load_table("email_knowledge.toml")
    sync = table.best({"problem": "sync", "mail_app": "outlook"})
    full = table.best({"problem": "mailbox_full", "mail_app": None})
    assert sync is not None
    assert full is not None
    assert (sync.id, full.id) == ("mail-sync-outlook", "mail-full-cleanup")


def test_declared_weights_rank_articles() -> None:
    table = load_table("password_knowledge.toml")
    best = table.best({"problem": "forgot", "recovery": "sms"})
    assert best is not None
    assert best.id == "pwd-forgot-sms"
    assert best.specificity == 3
    retry = table.best({"problem": "forgot", "recovery": "sms"}, exclude=[best.id])
    assert retry is not None
    assert retry.id == "pwd-forgot-reset"


def test_vpn_table_uses_builtin_weights() -> None:
    article = load_table("vpn_knowledge.toml").articles[-1]
    assert article.weights == WEIGHTS


def test_when_keys_must_be_declared_weights() -> None:
    text = '[weights]\nproblem = 2\n[[article]]\nid = "a"\ntitle = "t"\nsteps = ["s"]\nwhen = { app = ["x"] }\n'
    with pytest.raises(ValueError, match="unknown keys in 'when'"):
        parse_table(text, source="t.toml")


def test_weights_must_be_positive_integers() -> None:
    with pytest.raises(ValueError, match="positive integers"):
        parse_table("[weights]\nproblem = 0\n", source="t.toml")

"""The dialogue policy's verifier checks, and that they catch planted mistakes."""

from __future__ import annotations

from importlib import resources

import pytest

from vpnfsm.dialogue import cases, checks
from vpnfsm.dialogue.policy import RULES, Rule, decide
from vpnfsm.dialogue.scope import check_scopes, check_table
from vpnfsm.flows.knowledge import parse_table
from vpnfsm.flows.registry import FLOWS


def test_the_shipped_policy_has_no_dead_rule_and_ends_in_a_catch_all() -> None:
    live, problems = checks.check_rules()
    assert problems == []
    assert live == len(RULES)


def test_a_shadowed_rule_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    # "thanks" after the catch-all can never decide anything.
    planted = (*RULES, Rule("thanks", frozenset({"thanks_cue"}), why="planted"))
    monkeypatch.setattr(checks, "RULES", planted)
    _, problems = checks.check_rules()
    assert any("never decides anything" in problem for problem in problems)
    assert any("last rule must be a catch-all" in problem for problem in problems)


def test_an_unbudgeted_kind_in_an_open_case_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    planted = (Rule("follow_up", frozenset({"thanks_cue"}), why="planted"), *RULES)
    monkeypatch.setattr(checks, "RULES", planted)
    _, problems = checks.check_rules()
    assert any("unbounded" in problem for problem in problems)


@pytest.mark.parametrize(
    ("features", "context", "kind"),
    [
        ({"other_topic", "answers_pending", "gives_value"}, "question", "answer"),  # an aside inside an answer
        ({"other_topic"}, "question", "aside"),  # no cue: never a switch
        ({"other_topic", "also_cue"}, "question", "new_problem"),
        ({"clarify_cue", "answers_pending"}, "question", "clarify"),  # "which one? I don't know"
        ({"human", "other_language"}, "result", "human"),
        ({"other_topic"}, "handoff", "new_problem"),
        ({"follow_up_cue", "other_topic"}, "handoff", "follow_up"),
    ],
)
def test_decisions(features: set[str], context: str, kind: str) -> None:
    assert decide(frozenset(features), context).kind == kind  # type: ignore[arg-type]


def test_park_and_resume_keep_every_configuration_of_the_password_flow() -> None:
    checked, problems = checks.check_park_resume(FLOWS["password"], FLOWS["email"], FLOWS)
    assert problems == []
    assert checked > 100


def test_a_resume_that_loses_a_fact_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    real = cases.resume

    def forgetful(session):  # type: ignore[no-untyped-def]
        parked = real(session)
        session.slots = dict.fromkeys(session.slots)
        return parked

    monkeypatch.setattr(cases, "resume", forgetful)
    _, problems = checks.check_park_resume(FLOWS["password"], FLOWS["email"], FLOWS)
    assert problems
    assert "came back" in problems[0]


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_shipped_article_scopes_hold(name: str) -> None:
    report = check_scopes(FLOWS[name])
    assert report.problems == ()
    assert report.combinations > 0


def _vpn_table_with(article: str):  # type: ignore[no-untyped-def]
    text = resources.files("vpnfsm.flows").joinpath("vpn_knowledge.toml").read_text(encoding="utf-8")
    return parse_table(text + "\n" + article, source="planted")


def test_a_planted_article_whose_scope_admits_a_mac_user_is_caught_with_a_counterexample() -> None:
    # Windows-only steps, but the scope says "any OS": a Mac user with FortiClient who
    # cannot connect would get it first.
    table = _vpn_table_with(
        """
[[article]]
id = "planted-windows-only"
when = { client = ["forticlient"], symptom = ["cannot_connect"], error_code = ["-14"] }
any = ["os"]
title = "Planted"
steps = [
  "Open services.msc and restart the FortiClient service.",
  "Open Device Manager and reinstall the Fortinet adapter.",
  "Open the Start menu and run FortiClient as administrator.",
]
"""
    )
    report = check_table(table, FLOWS["vpn"])
    planted = [p for p in report.problems if p.article == "planted-windows-only"]
    assert planted, report.problems
    assert planted[0].facts["os"] not in (None, "windows")
    assert "counterexample" in planted[0].format()


def test_the_same_article_scoped_to_windows_passes() -> None:
    table = _vpn_table_with(
        """
[[article]]
id = "planted-windows-only"
when = { client = ["forticlient"], symptom = ["cannot_connect"], error_code = ["-14"] }
excludes = { os = ["macos", "linux", "ios", "android", "chromeos"] }
title = "Planted"
steps = [
  "Open services.msc and restart the FortiClient service.",
  "Open Device Manager and reinstall the Fortinet adapter.",
  "Open the Start menu and run FortiClient as administrator.",
]
"""
    )
    assert [p for p in check_table(table, FLOWS["vpn"]).problems if p.article == "planted-windows-only"] == []


def test_an_article_without_a_scope_declaration_or_with_a_bad_label_is_caught() -> None:
    table = _vpn_table_with(
        """
[[article]]
id = "planted-undeclared"
when = { symptom = ["dns"], os = ["mac_os"] }
title = "Planted"
steps = ["One.", "Two.", "Three."]
"""
    )
    messages = [p.message for p in check_table(table, FLOWS["vpn"]).problems if p.article == "planted-undeclared"]
    assert any("does not declare its scope" in m for m in messages)
    assert any("'mac_os', not a label" in m for m in messages)

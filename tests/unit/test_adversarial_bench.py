"""The adversarial benchmark runs end to end and reports what the issue asks (no speed asserted)."""

from __future__ import annotations

from vpnfsm.benchmarks.adversarial_bench import NORMAL_MESSAGES, adversarial_messages, run_adversarial_bench


def test_normal_messages_are_about_300_characters() -> None:
    assert all(250 <= len(text) <= 350 for text in NORMAL_MESSAGES)


def test_generators_cover_the_known_traps_runs_and_every_alternation_word() -> None:
    names = [name for name, _ in adversarial_messages(500)]
    assert {"neg-reach-inside", "cued-code-spaces", "dash-pairs", "ubuntu-release-lookahead"} <= set(names)
    assert any(name.startswith("run:") for name in names)
    assert sum(name.startswith("repeat:") for name in names) > 100
    assert all(len(text) <= 500 for _, text in adversarial_messages(500))


def test_report_names_the_worst_message_and_its_ratio() -> None:
    report = run_adversarial_bench(repeat=1)
    worst = report["worst"]
    assert isinstance(worst, dict)
    assert worst["turn_us"] > 0
    ratio = worst["turn_us"] / report["normal_turn_us"]
    assert abs(report["worst_ratio"] - ratio) <= 0.02 * ratio + 0.01
    assert report["messages"] == len(list(adversarial_messages(int(str(report["message_chars"])))))

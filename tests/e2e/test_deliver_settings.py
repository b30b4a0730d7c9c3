"""``vpnfsm deliver`` refuses worker settings under which an item could outlive its lease."""

from __future__ import annotations

import pytest

from vpnfsm.cli import main
from vpnfsm.examples import EXAMPLE_TENANTS

# Port 1 on 127.0.0.1: nothing listens there, and the refusal comes before any connection.
ARGV = ["deliver", "--tenant", str(EXAMPLE_TENANTS), "--jira-url", "http://127.0.0.1:1"]
ARGV += ["--redis-url", "redis://127.0.0.1:1/0", "--email", "bot@example.com", "--once"]


def test_deliver_refuses_the_old_120_s_lease_that_the_retry_schedule_outlasts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Regression: the worker ran with a 120 s lease while one item's retries could take far longer."""
    monkeypatch.setenv("JIRA_API_TOKEN", "token")
    assert main([*ARGV, "--lease", "120"]) == 2
    err = capsys.readouterr().err
    assert "outbox lease of 120 s is not longer than one delivery's worst-case retry schedule of 340 s" in err
    assert "Traceback" not in err


def test_deliver_refuses_a_lease_a_longer_timeout_outlasts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JIRA_API_TOKEN", "token")
    assert main([*ARGV, "--timeout", "30"]) == 2  # 5 x 2 x 30 s + 4 x 60 s = 540 s > the default 400 s
    assert "540 s" in capsys.readouterr().err


def test_deliver_refuses_zero_concurrency(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("JIRA_API_TOKEN", "token")
    assert main([*ARGV, "--concurrency", "0"]) == 2
    assert "concurrency must be at least 1" in capsys.readouterr().err


def test_deliver_command_defaults_are_the_worker_defaults() -> None:
    import argparse

    from vpnfsm.commands import deliver
    from vpnfsm.handoff.delivery import DEFAULT_CONCURRENCY, DEFAULT_LEASE_SECONDS

    parser = argparse.ArgumentParser()
    deliver.add_arguments(parser)
    args = parser.parse_args(["--tenant", "t.toml", "--jira-url", "https://jira.example"])
    assert (args.lease, args.concurrency) == (DEFAULT_LEASE_SECONDS, DEFAULT_CONCURRENCY)

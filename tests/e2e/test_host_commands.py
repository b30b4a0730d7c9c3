"""``vpnfsm slack`` and ``vpnfsm teams`` without their secrets: one line saying what to set, exit 2."""

from __future__ import annotations

import pytest

from vpnfsm.cli import main

pytestmark = pytest.mark.e2e

SECRETS = (
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "MicrosoftAppId",
    "MicrosoftAppPassword",
    "REDIS_URL",
)


@pytest.fixture(autouse=True)
def _no_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("argv", "env", "named"),
    [
        (["slack"], {}, "SLACK_BOT_TOKEN"),
        (["slack"], {"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        (["slack", "--socket-mode"], {"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN"),
        (["slack"], {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "  "}, "SLACK_SIGNING_SECRET"),
        (["teams"], {}, "MicrosoftAppId and MicrosoftAppPassword"),
        (["teams"], {"MicrosoftAppId": "0d1c2b3a"}, "MicrosoftAppPassword"),
    ],
    ids=["slack-no-token", "events-no-secret", "socket-no-app-token", "blank-secret", "teams-nothing", "teams-no-pw"],
)
def test_a_missing_secret_is_one_line_naming_it(
    argv: list[str],
    env: dict[str, str],
    named: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert named in lines[0]
    assert "Traceback" not in captured.err


def test_a_token_slack_refuses_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.e2e.fake_slack import FakeSlackServer

    with FakeSlackServer() as slack:
        monkeypatch.setenv("SLACK_API_URL", slack.url)
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxp-not-a-bot-token")  # the fake answers not_authed
        monkeypatch.setenv("SLACK_SIGNING_SECRET", "0123456789abcdef")
        assert main(["slack"]) == 2
        assert slack.state.calls == ["auth.test"]
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert "SLACK_BOT_TOKEN" in lines[0]
    assert "not_authed" in lines[0]


@pytest.mark.parametrize(
    ("command", "sdk", "host"),
    [("slack", "slack_bolt", "vpnfsm.hosts.slack"), ("teams", "botbuilder.core", "vpnfsm.hosts.teams")],
)
def test_without_the_extra_the_command_says_which_to_install(
    command: str, sdk: str, host: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    monkeypatch.delitem(sys.modules, host, raising=False)
    monkeypatch.setitem(sys.modules, sdk, None)  # what an environment without the extra looks like to import
    assert main([command]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert f"pip install 'vpnfsm[{command}]'" in lines[0]

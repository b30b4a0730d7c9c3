from __future__ import annotations

import stat
from pathlib import Path

import pytest

from vpnfsm.errors import SettingsError, TenantError
from vpnfsm.server.settings import (
    SETTINGS_FILE_ENV,
    ServiceEnvironment,
    Settings,
    load_api_keys,
    parse_api_keys,
)

KEY = "k3y-for-the-acme-tenant"


def test_tenants_file_maps_keys_to_tenants(tmp_path: Path) -> None:
    path = tmp_path / "tenants.toml"
    path.write_text(f'[keys]\n"{KEY}" = "acme"\n"another-key-0123456789" = "globex"\n')
    assert load_api_keys(path) == {KEY: "acme", "another-key-0123456789": "globex"}


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[keys]\n", "non-empty [keys]"),
        ("keys = 3\n", "non-empty [keys]"),
        (f'[keys]\n"{KEY}" = "bad tenant!"\n', "invalid tenant id"),
        ('[keys]\n"short" = "acme"\n', "at least 16"),
        ("[keys\n", "not valid TOML"),
        ('version = 1\n[tenants.acme]\nproject = "ITS"\n', "Jira tenant mapping"),
    ],
)
def test_bad_tenants_files_name_the_file(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "tenants.toml"
    path.write_text(text)
    with pytest.raises(TenantError) as info:
        load_api_keys(path)
    assert needle in str(info.value)
    assert info.value.path == str(path)


def test_missing_tenants_file_is_a_tenant_error(tmp_path: Path) -> None:
    with pytest.raises(TenantError, match="cannot read"):
        load_api_keys(tmp_path / "absent.toml")


def test_env_settings_and_packing(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text(f'[keys]\n"{KEY}" = "acme"\n')
    env = {
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "VPNFSM_TENANTS_FILE": str(path),
        "VPNFSM_API_KEYS": "second-key-0123456789=globex",
        "VPNFSM_MAX_MESSAGE_CHARS": "500",
    }
    settings = Settings.from_env(env)
    assert settings.api_keys == {KEY: "acme", "second-key-0123456789": "globex"}
    assert settings.redis_url == "redis://127.0.0.1:1/0"
    assert settings.max_message_chars == 500
    assert settings.multi_tenant
    assert not Settings.from_env({}).multi_tenant


def test_worker_settings_travel_in_a_private_file_not_the_environment(tmp_path: Path) -> None:
    settings = Settings(redis_url="redis://:hunter2-pass@cache:6379/0", api_keys={KEY: "acme"})
    path = settings.write_private(tmp_path)
    try:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert Settings.from_env({SETTINGS_FILE_ENV: str(path)}) == settings
    finally:
        path.unlink()
        path.parent.rmdir()
    with pytest.raises(SettingsError, match=SETTINGS_FILE_ENV):
        Settings.from_env({SETTINGS_FILE_ENV: str(path)})


def test_settings_repr_shows_no_secret() -> None:
    settings = Settings(redis_url="redis://:hunter2-pass@cache/0", api_keys={KEY: "acme"}, metrics_token="m" * 20)
    env = ServiceEnvironment.load({"REDIS_URL": "redis://:hunter2-pass@cache/0", "VPNFSM_API_KEYS": f"{KEY}=acme"})
    for text in (repr(settings), str(settings), repr(env)):
        assert "hunter2" not in text
        assert KEY not in text
        assert "m" * 20 not in text


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"VPNFSM_MAX_BODY_BYTES": "abc"}, 'VPNFSM_MAX_BODY_BYTES="abc"'),
        ({"VPNFSM_MAX_BODY_BYTES": "10"}, "greater than or equal to 256"),
        ({"VPNFSM_MAX_MESSAGE_CHARS": "0"}, "VPNFSM_MAX_MESSAGE_CHARS"),
        ({"VPNFSM_LOG_FORMAT": "xml"}, "VPNFSM_LOG_FORMAT"),
        ({"VPNFSM_REQUIRE_API_KEYS": "maybe"}, "VPNFSM_REQUIRE_API_KEYS"),
        ({"VPNFSM_METRICS_TOKEN": "short"}, "VPNFSM_METRICS_TOKEN:"),  # the value itself is not echoed
    ],
)
def test_invalid_variables_are_named(env: dict[str, str], needle: str) -> None:
    with pytest.raises(SettingsError) as info:
        ServiceEnvironment.load(env)
    assert needle in str(info.value)
    assert "\n" not in str(info.value)
    assert "short" not in str(info.value)


def test_flags_win_over_the_environment_and_are_named_in_errors() -> None:
    env = ServiceEnvironment.load({"VPNFSM_PORT": "9000"}, flags={"port": ("--port", 8123)})
    assert env.port == 8123
    with pytest.raises(SettingsError, match=r"^--workers="):
        ServiceEnvironment.load({}, flags={"workers": ("--workers", 0)})


def test_metrics_token_from_a_file(tmp_path: Path) -> None:
    token_file = tmp_path / "metrics-token"
    token_file.write_text("metrics-token-0123456789\n")
    env = ServiceEnvironment.load({"VPNFSM_METRICS_TOKEN_FILE": str(token_file)})
    assert env.settings().metrics_token == "metrics-token-0123456789"
    with pytest.raises(SettingsError, match="VPNFSM_METRICS_TOKEN_FILE"):
        ServiceEnvironment.load({"VPNFSM_METRICS_TOKEN_FILE": str(tmp_path / "absent")}).settings()


def test_api_keys_env_format_is_checked() -> None:
    with pytest.raises(TenantError, match="key=tenant"):
        parse_api_keys("no-equals-sign-here-at-all")


def test_only_the_documented_variables_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("port", "5")  # a stray lower-case name is not VPNFSM_PORT
    monkeypatch.setenv("VPNFSM_PORT", "9100")
    assert ServiceEnvironment.load().port == 9100
    assert ServiceEnvironment.load(flags={"port": ("--port", 9200)}).port == 9200

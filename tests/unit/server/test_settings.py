from __future__ import annotations

from pathlib import Path

import pytest

from vpnfsm.errors import TenantError
from vpnfsm.server.settings import SETTINGS_ENV, Settings, load_api_keys, parse_api_keys

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
    assert Settings.from_env({SETTINGS_ENV: settings.pack()}) == settings
    assert not Settings.from_env({}).multi_tenant


def test_api_keys_env_format_is_checked() -> None:
    with pytest.raises(TenantError, match="key=tenant"):
        parse_api_keys("no-equals-sign-here-at-all")

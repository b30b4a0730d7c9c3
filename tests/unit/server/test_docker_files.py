"""Offline checks of the container files (no Docker engine runs in CI)."""

from __future__ import annotations

import argparse
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from vpnfsm.commands import deliver, serve
from vpnfsm.handoff.tenants import load_tenants

ROOT = Path(__file__).resolve().parents[3]
DOCKER = ROOT / ".docker"


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    return data


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (DOCKER / "Dockerfile").read_text().replace("\\\n", " ")
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            pairs.append((word.upper(), rest.strip()))
    return pairs


def serve_args(argv: list[str]) -> argparse.Namespace:
    assert argv[:2] == ["vpnfsm", "serve"]
    parser = argparse.ArgumentParser()
    serve.add_arguments(parser)
    return parser.parse_args(argv[2:])  # exits (fails the test) on an unknown flag


def deliver_args(argv: list[str]) -> argparse.Namespace:
    assert argv[:2] == ["vpnfsm", "deliver"]
    parser = argparse.ArgumentParser()
    deliver.add_arguments(parser)
    return parser.parse_args(argv[2:])


def test_compose_runs_the_app_against_its_redis() -> None:
    services = compose()["services"]
    assert set(services) == {"app", "redis", "deliver"}
    app, redis = services["app"], services["redis"]
    build = app["build"]
    assert (DOCKER / build["context"] / build["dockerfile"]).resolve() == (DOCKER / "Dockerfile").resolve()
    assert "8000:8000" in app["ports"]
    assert app["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert redis["command"] == ["redis-server", "--appendonly", "yes"]
    assert "redis-data:/data" in redis["volumes"]
    assert app["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "/readyz" in " ".join(app["healthcheck"]["test"])
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    args = serve_args(app["command"])
    assert (args.host, args.port, args.workers) == ("0.0.0.0", 8000, 2)
    assert "redis-data" in compose()["volumes"]


def test_dockerfile_installs_the_server_extra_and_runs_vpnfsm_serve() -> None:
    steps = dockerfile_instructions()
    cmd = json.loads(next(rest for word, rest in steps if word == "CMD"))
    args = serve_args(cmd)
    assert (args.host, args.port) == ("0.0.0.0", 8000)
    runs = " ".join(rest for word, rest in steps if word == "RUN")
    assert '".[server]"' in runs
    assert "graphviz" in runs
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert any(dep.startswith("fastapi") for dep in extras["server"])
    assert any(dep.startswith("uvicorn") for dep in extras["server"])
    for word, rest in steps:
        if word == "COPY":
            for source in rest.split()[:-1]:
                assert (ROOT / source).exists(), source
    assert ("USER", "vpnfsm") in steps  # not root
    assert re.search(r"/healthz", next(rest for word, rest in steps if word == "HEALTHCHECK"))


def test_compose_requires_api_keys_from_a_secret_file() -> None:
    # Port 8000 was published with no API key: anyone reaching it could chat as tenant `default`.
    data = compose()
    app = data["services"]["app"]
    assert app["environment"]["VPNFSM_REQUIRE_API_KEYS"] == "true"
    assert app["environment"]["VPNFSM_TENANTS_FILE"] == "/run/secrets/api_keys"
    assert app["secrets"] == ["api_keys"]
    assert "file" in data["secrets"]["api_keys"]
    assert not any("KEY" in name and name != "VPNFSM_REQUIRE_API_KEYS" for name in app["environment"])


def test_compose_runs_the_delivery_worker_with_the_jira_token_from_a_file() -> None:
    # Handoffs never left the outbox: compose had no delivery worker, and the token was a variable.
    data = compose()
    worker = data["services"]["deliver"]
    assert worker["build"] == data["services"]["app"]["build"]
    args = deliver_args(worker["command"])
    env = worker["environment"]
    assert env["REDIS_URL"] == data["services"]["app"]["environment"]["REDIS_URL"]
    assert env["JIRA_API_TOKEN_FILE"] == "/run/secrets/jira_api_token"
    assert "JIRA_API_TOKEN" not in env
    assert "JIRA_BEARER_TOKEN" not in env
    assert worker["secrets"] == ["jira_api_token"]
    assert worker["depends_on"]["redis"]["condition"] == "service_healthy"
    (config,) = worker["configs"]
    assert config["target"] == args.tenant
    tenants_file = (DOCKER / data["configs"][config["source"]]["file"]).resolve()
    assert "default" in load_tenants(tenants_file).tenants  # single-tenant handoffs are deliverable


def test_compose_secret_files_are_kept_out_of_git_and_the_image() -> None:
    data = compose()
    for secret in data["secrets"].values():
        path = (DOCKER / secret["file"]).resolve()
        assert path.parent == (DOCKER / "secrets").resolve()
    assert "*" in (DOCKER / "secrets" / ".gitignore").read_text().split()
    assert ".docker/secrets" in (ROOT / ".dockerignore").read_text().split()

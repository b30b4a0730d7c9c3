"""Offline checks of the container files (no Docker engine runs in CI)."""

from __future__ import annotations

import argparse
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from vpnfsm.commands import serve

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


def test_compose_runs_the_app_against_its_redis() -> None:
    services = compose()["services"]
    assert set(services) == {"app", "redis"}
    app, redis = services["app"], services["redis"]
    build = app["build"]
    assert (DOCKER / build["context"] / build["dockerfile"]).resolve() == (DOCKER / "Dockerfile").resolve()
    assert "8000:8000" in app["ports"]
    assert app["environment"]["REDIS_URL"] == "redis://redis:6379/0"
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

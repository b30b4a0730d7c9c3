from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from vpnfsm.nlp.model import Extraction
from vpnfsm.server import Settings, create_app


class SeedReader:
    """Reads just the messages these tests send (until the rule extractor is on main)."""

    def extract(self, text: str, *, context: str | None = None) -> Extraction:
        low = text.lower()
        code = re.search(r"-?\d{3,5}", low)
        result = None
        if context == "VPN_CHECK_RESULT":
            result = "worked" if re.search(r"\b(yes|fixed|works)\b", low) else (
                "failed" if re.search(r"\b(no|nope|still)\b", low) else None)
        return Extraction(
            intent="vpn" if "vpn" in low else "general",
            os="windows" if "windows" in low else "macos" if "mac" in low else None,
            client="globalprotect" if "globalprotect" in low else None,
            symptom="cannot_connect" if "connect" in low else None,
            error_code=code.group(0) if code else None,
            human="human" in low,
            result=result,  # type: ignore[arg-type]
        )


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings, extractor=SeedReader())


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c

"""The page's token: what it opens (chat and diagram, for its tenant, until it expires) and what it never does."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import httpx
import pytest

from vpnfsm.errors import TenantError
from vpnfsm.server import Settings, create_app
from vpnfsm.server.page import PageTokens, page_tenant

pytestmark = pytest.mark.anyio

ACME_KEY = "acme-key-0123456789abcdef"
GLOBEX_KEY = "globex-key-0123456789abcd"
ONE_TENANT = {ACME_KEY: "acme"}
TWO_TENANTS = {ACME_KEY: "acme", GLOBEX_KEY: "globex"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def client_for(settings: Settings) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(settings), raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def acme() -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(Settings(api_keys=TWO_TENANTS, page_tenant="acme")) as c:
        yield c


async def token_of(client: httpx.AsyncClient) -> str:
    r = await client.get("/api/page/token")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["expires_in"] == 15 * 60
    return str(body["token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_page_token_chats_for_its_tenant_and_the_session_is_that_tenants(
    acme: httpx.AsyncClient,
) -> None:
    token = await token_of(acme)
    r = await acme.post("/api/chat", json={"message": "vpn wont connect again"}, headers=bearer(token))
    assert r.status_code == 200, r.text
    session = r.json()["session_id"]
    assert (await acme.get(f"/api/sessions/{session}", headers={"X-API-Key": ACME_KEY})).status_code == 200
    assert (await acme.get(f"/api/sessions/{session}", headers={"X-API-Key": GLOBEX_KEY})).status_code == 404


async def test_a_page_token_never_opens_the_session_routes(acme: httpx.AsyncClient) -> None:
    token = await token_of(acme)
    r = await acme.post("/api/chat", json={"message": "outlook not syncing"}, headers=bearer(token))
    session = r.json()["session_id"]
    assert (await acme.get(f"/api/sessions/{session}", headers=bearer(token))).status_code == 401
    assert (await acme.delete(f"/api/sessions/{session}", headers=bearer(token))).status_code == 401


async def test_without_key_or_token_chat_is_refused(acme: httpx.AsyncClient) -> None:
    r = await acme.post("/api/chat", json={"message": "hi"})
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), id="signature-changed"),
        pytest.param(
            lambda t: ".".join([t.split(".")[0], base64.urlsafe_b64encode(b"globex").decode().rstrip("="),
                                *t.split(".")[2:]]),
            id="tenant-swapped",
        ),
        pytest.param(lambda t: ".".join([t.split(".")[0], t.split(".")[1], "9999999999", *t.split(".")[3:]]),
                     id="expiry-extended"),
        pytest.param(lambda t: "v1.YWNtZQ.9999999999.bm9uY2U.", id="no-signature"),
        pytest.param(lambda t: "x" * 5000, id="huge"),
        pytest.param(lambda t: "...." , id="dots"),
    ],
)
async def test_a_tampered_or_forged_token_is_refused(acme: httpx.AsyncClient, forge: object) -> None:
    token = await token_of(acme)
    assert callable(forge)
    r = await acme.post("/api/chat", json={"message": "hi"}, headers=bearer(forge(token)))
    assert r.status_code == 401


async def test_a_token_from_another_service_secret_is_refused() -> None:
    async with client_for(Settings(api_keys=ONE_TENANT, page_secret="s" * 32)) as other:
        foreign = await token_of(other)
    async with client_for(Settings(api_keys=ONE_TENANT, page_secret="t" * 32)) as c:
        assert (await c.post("/api/chat", json={"message": "hi"}, headers=bearer(foreign))).status_code == 401


async def test_workers_with_the_same_keys_accept_each_others_tokens() -> None:
    # No page_secret: the key is derived from the API keys, so separately started workers agree.
    async with client_for(Settings(api_keys=ONE_TENANT)) as one:
        token = await token_of(one)
    async with client_for(Settings(api_keys=ONE_TENANT)) as two:
        assert (await two.post("/api/chat", json={"message": "vpn down"}, headers=bearer(token))).status_code == 200
    async with client_for(Settings(api_keys={"rotated-key-0123456789ab": "acme"})) as rotated:
        assert (await rotated.post("/api/chat", json={"message": "hi"}, headers=bearer(token))).status_code == 401


def test_a_token_expires() -> None:
    now = [1_000_000.0]
    tokens = PageTokens(b"k" * 32, tenant="acme", ttl_seconds=600, clock=lambda: now[0])
    issued = tokens.issue()
    assert tokens.tenant_of(issued.token) == "acme"
    now[0] += 599
    assert tokens.tenant_of(issued.token) == "acme"
    now[0] += 1
    assert tokens.tenant_of(issued.token) is None


def test_a_token_for_one_tenant_does_not_serve_another() -> None:
    acme = PageTokens(b"k" * 32, tenant="acme", ttl_seconds=600)
    globex = PageTokens(b"k" * 32, tenant="globex", ttl_seconds=600)
    assert globex.tenant_of(acme.issue().token) is None


async def test_x_api_key_still_works_and_wins_over_a_token(acme: httpx.AsyncClient) -> None:
    r = await acme.post("/api/chat", json={"message": "forgot my pw"}, headers={"X-API-Key": GLOBEX_KEY})
    assert r.status_code == 200
    token = await token_of(acme)
    both = {"X-API-Key": GLOBEX_KEY, **bearer(token)}
    r = await acme.post("/api/chat", json={"message": "forgot my pw"}, headers=both)
    session = r.json()["session_id"]
    assert (await acme.get(f"/api/sessions/{session}", headers={"X-API-Key": GLOBEX_KEY})).status_code == 200


async def test_the_diagram_opens_with_a_page_token(acme: httpx.AsyncClient) -> None:
    token = await token_of(acme)
    r = await acme.get("/api/flows/vpn/diagram.svg", headers=bearer(token))
    assert r.status_code in (200, 503)  # 503 only where graphviz is missing
    assert r.status_code != 401


def test_which_tenant_the_page_serves() -> None:
    assert page_tenant(Settings()) == "default"
    assert page_tenant(Settings(api_keys=ONE_TENANT)) == "acme"
    assert page_tenant(Settings(api_keys=TWO_TENANTS)) is None
    assert page_tenant(Settings(api_keys=TWO_TENANTS, page_tenant="globex")) == "globex"
    with pytest.raises(TenantError, match="initech"):
        page_tenant(Settings(api_keys=TWO_TENANTS, page_tenant="initech"))


async def test_with_several_tenants_and_none_chosen_the_page_says_it_is_not_enabled() -> None:
    async with client_for(Settings(api_keys=TWO_TENANTS)) as c:
        r = await c.get("/api/page/token")
        assert r.status_code == 404
        assert "not enabled" in r.json()["detail"]
        assert (await c.get("/")).status_code == 200


async def test_the_page_loads_nothing_that_is_missing() -> None:
    async with client_for(Settings()) as c:
        page = (await c.get("/")).text
        for asset in ("/static/app.js", "/static/app.css", "/static/favicon.svg", "/static/labels.json"):
            assert asset in page or asset == "/static/labels.json"
            assert (await c.get(asset)).status_code == 200
        favicon = await c.get("/favicon.ico")
        assert favicon.status_code == 200
        assert favicon.headers["content-type"].startswith("image/svg+xml")
        assert "api key" not in page.lower()

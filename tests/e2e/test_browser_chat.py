"""The chat page in a real headless Chromium (Debian's package), driven by Playwright.

Types the seed conversation, checks the replies, the highlighted state in the
diagram and the handoff summary, and saves a screenshot to artifacts/.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from httpkit import LiveServer, serve_in_thread
from playwright.sync_api import Page, expect, sync_playwright

from vpnfsm.server import Settings, create_app

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = Path(__file__).resolve().parents[2] / "artifacts" / "e2e-chat.png"


@pytest.fixture
def page() -> Iterator[Page]:
    assert Path(CHROMIUM).exists(), "install Debian's chromium: apt-get install -y chromium"
    assert shutil.which("dot"), "install graphviz for the state diagram: apt-get install -y graphviz"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1280, "height": 900})
        finally:
            browser.close()


def send(page: Page, text: str, turn: int) -> None:
    page.fill("#message", text)
    page.press("#message", "Enter")
    expect(page.locator("body")).to_have_attribute("data-turns", str(turn), timeout=10_000)
    expect(page.locator("#error")).to_be_hidden()


def highlighted(page: Page) -> str | None:
    return page.locator("#diagram g.current").get_attribute("id")


def test_chat_page_walks_the_seed_conversation(
    page: Page, live: list[LiveServer], capsys: pytest.CaptureFixture[str]
) -> None:
    server = serve_in_thread(create_app(Settings()))
    live.append(server)
    page.goto(server.url + "/")
    expect(page.locator("h1")).to_have_text("vpnfsm")

    send(page, "VPN is not working", 1)
    expect(page.locator("#log li.bot").last).to_contain_text("operating system")
    expect(page.locator("#state")).to_have_text("VPN_ASK_OS")
    expect(page.locator("#diagram svg")).to_be_visible()
    assert highlighted(page) == "state-VPN_ASK_OS"

    send(page, "Windows", 2)
    expect(page.locator("#state")).to_have_text("VPN_ASK_CLIENT")
    assert highlighted(page) == "state-VPN_ASK_CLIENT"
    assert page.locator("#diagram g.current").count() == 1  # the old highlight is gone

    for turn, text in enumerate(
        ["GlobalProtect", "it just won't connect", "error 809", "no, still broken", "nope, same thing"],
        start=3,
    ):
        send(page, text, turn)
    expect(page.locator("#handoff")).to_be_visible()
    expect(page.locator("#handoff-facts")).to_contain_text("steps_failed")
    expect(page.locator("#handoff-facts")).to_contain_text("error_code: 809")
    assert highlighted(page) == "state-VPN_HANDOFF"

    send(page, "hello", 8)
    expect(page.locator("#log li.bot").last).to_contain_text("state VPN_HANDOFF")
    assert highlighted(page) == "state-VPN_HANDOFF"

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000
    with capsys.disabled():  # into the CI log even though pytest captures output
        print(f"\ne2e chat screenshot (CI artifact): {SCREENSHOT}")


def test_chat_page_asks_for_and_uses_an_api_key(page: Page, live: list[LiveServer]) -> None:
    key = "browser-tenant-key-0123456789"
    server = serve_in_thread(create_app(Settings(api_keys={key: "acme"})))
    live.append(server)
    page.goto(server.url + "/")
    page.fill("#message", "VPN is not working")
    page.press("#message", "Enter")
    expect(page.locator("#error")).to_contain_text("API key")
    page.fill("#api-key", key)
    page.dispatch_event("#api-key", "change")
    send(page, "VPN is not working", 1)  # the refused message got no bot reply
    expect(page.locator("#state")).to_have_text("VPN_ASK_OS")
    assert highlighted(page) == "state-VPN_ASK_OS"

"""The chat page in a real headless Chromium (Debian's package), driven by Playwright.

The page is what an employee sees, so the test checks what a person would
notice: a greeting that says what the assistant helps with, no API-key field
(the server hands the page a short-lived token), plain words instead of
taxonomy labels, bubbles that keep long pasted paths inside, readable text in
the progress view and the diagram, and nothing the page loads failing. It
saves screenshots at the start, mid-conversation and at the handoff under the
test's tmp dir and prints their paths.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from httpkit import LiveServer, serve_in_thread
from playwright.sync_api import Page, Request, Response, Route, expect, sync_playwright

from vpnfsm.server import Settings, create_app
from vpnfsm.server.page import STATIC_DIR

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
KEY = "browser-tenant-key-0123456789"
MIN_TEXT_PX = 11.0
STATIC = STATIC_DIR

# What an employee pastes: a registry path with no space to break at.
REGISTRY_PATH = (
    r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\PolicyAgent\AssumeUDPEncapsulationContextOnSendRule"
)

# Outside the chat bubbles (header, progress view, handoff card) no word is
# snake_case or SCREAMING_SNAKE; inside them, no label the package produces
# appears raw. Bubbles may hold registry paths: the user's, or a step's.
_RAW_LABEL_JS = r"""(labels) => {
  const found = [];
  const bubbles = [...document.querySelectorAll("#log li")].map((li) => li.innerText);
  let outside = document.body.innerText;
  for (const text of bubbles) outside = outside.split(text).join(" ");
  found.push(...(outside.match(/\b[A-Za-z]+(?:_[A-Za-z0-9]+)+\b/g) || []));
  for (const text of bubbles) {
    for (const word of text.match(/\b[A-Za-z]+(?:_[A-Za-z0-9]+)+\b/g) || []) {
      if (labels.includes(word)) found.push(word);
    }
  }
  return found;
}"""


def _raw_labels() -> list[str]:
    """Every label of labels.json's tables that has an underscore (the words a person must never see)."""
    data = json.loads((STATIC / "labels.json").read_text(encoding="utf-8"))
    found: set[str] = set()
    for table in ("intent", "reason", "result", "slot"):
        found.update(data[table])
    for values in data["value"].values():
        found.update(values)
    for flow in data["flows"].values():
        found.update(flow["steps"])
    return sorted(label for label in found if "_" in label)


# Each bubble's content fits its box, and each box fits the conversation column.
_OVERFLOWING_BUBBLES_JS = """() => {
  const log = document.getElementById("log").getBoundingClientRect();
  return [...document.querySelectorAll("#log li")]
    .filter((li) => li.scrollWidth > li.clientWidth + 1 || li.getBoundingClientRect().right > log.right + 1)
    .map((li) => li.textContent.slice(0, 60));
}"""

# The rendered size of every piece of text in a container (SVG text scaled by its transform).
_SMALLEST_TEXT_PX_JS = """(selector) => {
  const sizes = [];
  for (const el of document.querySelectorAll(selector + " *")) {
    if (!el.getClientRects().length || !el.textContent.trim()) continue;
    if (el.children.length && !(el instanceof SVGTextElement)) continue;
    const px = parseFloat(getComputedStyle(el).fontSize);
    const scale = el instanceof SVGGraphicsElement ? el.getScreenCTM().a : 1;
    sizes.push(px * scale);
  }
  return sizes.length ? Math.min(...sizes) : null;
}"""


@dataclass
class Traffic:
    """What the page loaded and what failed (a 4xx/5xx or a network error)."""

    failed: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)

    def response(self, response: Response) -> None:
        self.urls.append(response.url)
        if response.status >= 400:
            self.failed.append(f"{response.status} {response.url}")

    def request_failed(self, request: Request) -> None:
        self.failed.append(f"failed {request.url}: {request.failure}")


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


def watch(page: Page) -> Traffic:
    traffic = Traffic()
    page.on("response", traffic.response)
    page.on("requestfailed", traffic.request_failed)
    return traffic


def send(page: Page, text: str, turn: int) -> None:
    """Type into the message box and press Enter, as a person does."""
    page.locator("#message").fill(text)
    page.keyboard.press("Enter")
    expect(page.locator("body")).to_have_attribute("data-turns", str(turn), timeout=10_000)
    expect(page.locator("#error")).to_be_hidden()


def check_looks_like_a_product(page: Page, traffic: Traffic) -> None:
    """The properties the issue lists, at any moment of the conversation."""
    expect(page.locator("#log li.bot").first).to_contain_text("VPN")
    expect(page.locator("#log li.bot").first).to_contain_text("password")
    expect(page.locator("#log li.bot").first).to_contain_text("e-mail")
    assert page.locator("input[type=password]:visible").count() == 0
    assert "api key" not in page.locator("body").inner_text().lower()
    assert page.evaluate(_RAW_LABEL_JS, _raw_labels()) == []
    assert page.evaluate(_OVERFLOWING_BUBBLES_JS) == []
    smallest = page.evaluate(_SMALLEST_TEXT_PX_JS, "#progress")
    assert smallest is None or smallest >= MIN_TEXT_PX, smallest
    assert traffic.failed == []


def shoot(page: Page, tmp_path: Path, name: str, shots: list[Path]) -> None:
    path = tmp_path / f"chat-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    shots.append(path)


def current_step(page: Page) -> str:
    return page.locator("#progress [aria-current=step]").inner_text()


def test_page_greets_chats_and_hands_off_without_an_api_key(
    page: Page, live: list[LiveServer], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # API keys are required: the page must get by on the token the server gives it.
    server = serve_in_thread(create_app(Settings(api_keys={KEY: "acme"})))
    live.append(server)
    traffic = watch(page)
    shots: list[Path] = []
    page.goto(server.url + "/")
    expect(page.locator("#message")).to_be_focused()
    expect(page.locator("label[for=message]")).to_have_count(1)
    check_looks_like_a_product(page, traffic)
    assert any(url.endswith("/static/favicon.svg") for url in traffic.urls)
    shoot(page, tmp_path, "start", shots)

    send(page, "hi vpn doesnt connect since this morning, working from home", 1)
    expect(page.locator("#log li.bot").last).to_contain_text("operating system")
    assert "operating system" in current_step(page).lower()
    send(page, "win 11", 2)
    send(page, "globalprotect", 3)
    send(page, "it just sits on connecting... then says gateway not reachable", 4)
    send(page, f"error 809. found this in a forum, should i change it?? {REGISTRY_PATH}", 5)
    expect(page.locator("#progress [aria-current=step]")).to_have_count(1)
    check_looks_like_a_product(page, traffic)
    shoot(page, tmp_path, "mid", shots)

    send(page, "nope still broken", 6)
    send(page, "no. same thing, cant connect", 7)
    expect(page.locator("#handoff")).to_be_visible()
    facts = page.locator("#handoff-facts")
    expect(facts).to_contain_text("The suggested steps did not fix it")
    expect(facts).to_contain_text("Windows")
    expect(facts).to_contain_text("GlobalProtect")
    expect(facts).to_contain_text("Error code: 809")
    assert "person" in current_step(page).lower()
    check_looks_like_a_product(page, traffic)

    # The full diagram, for whoever wants it: its smallest text is readable too.
    page.locator("#diagram-box summary").click()
    expect(page.locator("#diagram svg")).to_be_visible()
    expect(page.locator("#diagram g.current")).to_have_attribute("id", "state-VPN_HANDOFF")
    smallest = page.evaluate(_SMALLEST_TEXT_PX_JS, "#diagram")
    assert smallest is not None
    assert smallest >= MIN_TEXT_PX, smallest
    assert traffic.failed == []
    shoot(page, tmp_path, "diagram", shots)
    page.locator("#diagram-box summary").click()
    shoot(page, tmp_path, "handoff", shots)

    with capsys.disabled():  # into the CI log even though pytest captures output
        print("\nchat page screenshots:", *map(str, shots), sep="\n  ")


def test_new_conversation_button_works_from_the_keyboard(page: Page, live: list[LiveServer]) -> None:
    server = serve_in_thread(create_app(Settings()))
    live.append(server)
    traffic = watch(page)
    page.goto(server.url + "/")
    send(page, "outlook keeps asking for my password", 1)
    page.locator("#restart").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#log li")).to_have_count(1)  # the greeting again, nothing else
    expect(page.locator("#message")).to_be_focused()
    send(page, "forgot my password", 1)
    expect(page.locator("#log li.bot").last).not_to_contain_text("Outlook")
    assert traffic.failed == []


def test_on_a_phone_sized_screen_a_pasted_path_stays_inside_its_bubble(page: Page, live: list[LiveServer]) -> None:
    server = serve_in_thread(create_app(Settings()))
    live.append(server)
    traffic = watch(page)
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(server.url + "/")
    send(page, f"vpn on win10 dies with 809, i already set {REGISTRY_PATH} to 2", 1)
    assert page.evaluate(_OVERFLOWING_BUBBLES_JS) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert traffic.failed == []


def test_a_refused_page_token_is_renewed_and_the_message_still_goes_through(
    page: Page, live: list[LiveServer]
) -> None:
    # As after a tab sat idle past the token's expiry: the first send carries a dead token.
    server = serve_in_thread(create_app(Settings(api_keys={KEY: "acme"})))
    live.append(server)
    stale: list[str] = []

    def spoil_first(route: Route) -> None:
        headers = dict(route.request.headers)
        if not stale:
            stale.append(headers["authorization"])
            headers["authorization"] = "Bearer v1.YWNtZQ.1.bm9uY2U.expired"
        route.continue_(headers=headers)

    page.route("**/api/chat", spoil_first)
    page.goto(server.url + "/")
    send(page, "cant log in to vpn, says auth failed", 1)
    assert stale
    expect(page.locator("#log li.bot").last).not_to_be_empty()
    expect(page.locator("#log li.user")).to_have_count(1)  # sent once from the user's side

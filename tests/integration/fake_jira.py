"""A local Jira stand-in for delivery tests: a real HTTP server on 127.0.0.1.

It speaks ``POST /rest/api/{2,3}/issue`` and ``POST /rest/api/{2,3}/search``,
validates every create and search body against the project's Jira contract
(``tests/jira_contract.py``: fields, types, ADF node shapes; no ``../shared``
needed; ``tests/shared`` holds it to Atlassian's published schemas), and
plays scripted faults: HTTP errors with ``Retry-After``, answers slower than
the client's timeout, and connections dropped after the issue was created.
Two options model a slow Jira: ``create_delay`` (seconds every create takes
before the issue exists, creates overlapping freely) and ``index_lag``
(seconds before a new issue shows up in search, like Jira's search index).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.jira_contract import create_errors, search_errors

_LABEL_JQL = re.compile(r'labels\s*=\s*"([^"]+)"')


@dataclass
class Fault:
    """What to do with one request instead of answering normally.

    kind: ``status`` (answer ``status`` with ``retry_after``), ``slow`` (create
    the issue, then answer after ``delay`` seconds - later than the client
    waits), ``lag`` (take ``delay`` seconds *before* creating, as a busy Jira
    does), ``drop`` (create the issue, then close the connection unanswered).
    """

    kind: str
    status: int = 500
    retry_after: str | None = None
    delay: float = 0.0


@dataclass
class FakeJira:
    """State of the fake server; tests read it after delivery."""

    issues: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_label: Counter[str] = field(default_factory=Counter)
    create_faults: deque[Fault] = field(default_factory=deque)
    search_faults: deque[Fault] = field(default_factory=deque)
    requests: Counter[str] = field(default_factory=Counter)
    invalid: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""
    create_delay: float = 0.0
    index_lag: float = 0.0
    searchable_at: dict[str, float] = field(default_factory=dict)
    creating: int = 0
    most_creating: int = 0  # the most creates in progress at once: how far workers overlap

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.create_delay:
            with self.lock:
                self.creating += 1
                self.most_creating = max(self.most_creating, self.creating)
            time.sleep(self.create_delay)  # a slow Jira: the issue exists only at the end
            with self.lock:
                self.creating -= 1
        with self.lock:
            number = len(self.issues) + 1
            key = f"{body['fields']['project']['key']}-{number}"
            self.issues[key] = body
            self.searchable_at[key] = time.monotonic() + self.index_lag
            for label in body["fields"].get("labels", []):
                self.by_label[label] += 1
            return {
                "id": str(10000 + number),
                "key": key,
                "self": f"{self.url}/rest/api/3/issue/{10000 + number}",
            }

    def search(self, label: str) -> list[dict[str, str]]:
        now = time.monotonic()
        with self.lock:
            return [
                {"id": key, "key": key}
                for key, body in self.issues.items()
                if label in body["fields"].get("labels", []) and self.searchable_at[key] <= now
            ]


def _handler(state: FakeJira) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            return

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)

        def _fault(self, faults: deque[Fault]) -> Fault | None:
            with state.lock:
                return faults.popleft() if faults else None

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"null")
            match = re.fullmatch(r"/rest/api/([23])/(issue|search)", self.path)
            if match is None:
                self._send(404, {"errorMessages": [f"no route {self.path}"], "errors": {}})
                return
            api, kind = match.groups()
            with state.lock:
                state.requests[kind] += 1
            if not self.headers.get("Authorization", "").startswith(("Basic ", "Bearer ")):
                self._send(401, {"errorMessages": ["not logged in"], "errors": {}})
                return
            if kind == "search":
                self._search(body)
            else:
                self._create(body, api)

        def _search(self, body: Any) -> None:
            errors = search_errors(body)
            if errors:
                state.invalid.append("search: " + "; ".join(errors))
                self._send(400, {"errorMessages": errors, "errors": {}})
                return
            fault = self._fault(state.search_faults)
            if fault is not None and fault.kind == "status":
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                self._send(fault.status, {"errorMessages": ["search fault"], "errors": {}}, headers)
                return
            found = _LABEL_JQL.search(body["jql"])
            issues = state.search(found.group(1)) if found else []
            self._send(
                200,
                {
                    "startAt": 0,
                    "maxResults": body.get("maxResults", 50),
                    "total": len(issues),
                    "issues": issues,
                },
            )

        def _create(self, body: Any, api: str) -> None:
            errors = create_errors(body, int(api))
            labels = body.get("fields", {}).get("labels", []) if isinstance(body, dict) else []
            errors += [f"The label '{label}' contains spaces which is invalid." for label in labels if " " in label]
            if errors:
                state.invalid.append("create: " + "; ".join(errors))
                self._send(400, {"errorMessages": [], "errors": {"body": "; ".join(errors)}})
                return
            fault = self._fault(state.create_faults)
            if fault is not None and fault.kind == "status":
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                self._send(fault.status, {"errorMessages": [f"injected {fault.status}"], "errors": {}}, headers)
                return
            if fault is not None and fault.kind == "lag":
                time.sleep(fault.delay)
            created = state.create(body)
            if fault is not None and fault.kind == "slow":
                time.sleep(fault.delay)
            if fault is not None and fault.kind == "drop":
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self._send(201, created)

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # several workers connect at once

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeout) makes the late answer fail: expected here.
        return


class FakeJiraServer:
    """Run :class:`FakeJira` on a free port in a background thread (a context manager)."""

    def __init__(self, *, create_delay: float = 0.0, index_lag: float = 0.0) -> None:
        self.state = FakeJira(create_delay=create_delay, index_lag=index_lag)
        self._server = _QuietServer(("127.0.0.1", 0), _handler(self.state))
        self.state.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return self.state.url

    def __enter__(self) -> FakeJiraServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

"""The Jira conversation of a delivery, without I/O.

:meth:`JiraProtocol.ensure_issue` is a generator: it yields the HTTP
requests and waits to make, and receives the responses. The sync and async
clients in :mod:`vpnfsm.handoff.delivery` only drive it, so the retry
policy, the idempotency search and the error mapping exist once.
"""

from __future__ import annotations

import base64
import email.utils
import random
import time
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import Any

from vpnfsm.errors import DeliveryError

__all__ = ["Fence", "IssueRef", "JiraAuth", "JiraProtocol", "Request", "Response", "RetryPolicy", "Wait"]

#: Statuses worth retrying: rate limit, server errors, gateway trouble.
RETRYABLE = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class JiraAuth:
    """Credentials for Jira: basic (e-mail + API token, Jira Cloud) or a bearer token.

    The token never appears in ``repr`` or logs.
    """

    scheme: str
    secret: str = field(repr=False)

    @classmethod
    def basic(cls, email_address: str, api_token: str) -> JiraAuth:
        """E-mail and API token (Jira Cloud)."""
        raw = f"{email_address}:{api_token}".encode()
        return cls("Basic", base64.b64encode(raw).decode())

    @classmethod
    def bearer(cls, token: str) -> JiraAuth:
        """A personal access token or OAuth access token."""
        return cls("Bearer", token)

    def header(self) -> str:
        """The ``Authorization`` header value."""
        return f"{self.scheme} {self.secret}"


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a failing call.

    Attributes:
        attempts: tries per delivery before giving up for this run.
        backoff: the first wait in seconds; it doubles per try, with jitter.
        max_backoff: the longest computed wait.
        max_retry_after: the longest ``Retry-After`` honoured (longer ones give up
            for this run; the outbox lease brings the handoff back later). It
            dominates :meth:`worst_case_seconds`, which the outbox lease must exceed.
        settle: the least wait after a create whose outcome is unknown (no
            answer, or a 5xx from a gateway that may have passed it on), so
            Jira can finish an in-flight create before the idempotency search.

    """

    attempts: int = 5
    backoff: float = 0.5
    max_backoff: float = 30.0
    max_retry_after: float = 60.0
    settle: float = 5.0

    def worst_case_seconds(self, request_timeout: float) -> float:
        """The longest one delivery can take under this policy.

        Every try is a search and a create that each run into
        ``request_timeout``, and every wait between tries is as long as the
        policy allows (``Retry-After`` up to ``max_retry_after``, backoff up to
        ``max_backoff``, ``settle`` after an uncertain create).
        """
        longest_wait = max(self.max_retry_after, self.max_backoff, self.settle)
        return self.attempts * 2 * request_timeout + (self.attempts - 1) * longest_wait

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before try ``attempt + 1``: ``Retry-After`` when given."""
        if retry_after is not None:
            return max(0.0, retry_after)
        return random.uniform(0.5, 1.0) * min(self.max_backoff, self.backoff * float(2**attempt))


@dataclass(frozen=True)
class Request:
    """One HTTP request to make (path relative to the Jira base URL)."""

    method: str
    path: str
    json: Mapping[str, Any]


@dataclass(frozen=True)
class Wait:
    """Sleep this many seconds before the next request."""

    seconds: float


@dataclass(frozen=True)
class Fence:
    """Check that the caller may still create (its outbox lease holds) before the next request."""


@dataclass(frozen=True)
class Response:
    """What came back: a status and body, or ``status=None`` for a transport failure."""

    status: int | None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    error: str = ""


@dataclass(frozen=True)
class IssueRef:
    """The issue of a handoff: its key, and whether this call created it."""

    key: str
    id: str | None
    created: bool


class _Retry(Exception):
    def __init__(self, detail: str, *, status: int | None, retry_after: float | None) -> None:
        super().__init__(detail)
        self.status = status
        self.retry_after = retry_after


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _error_text(response: Response) -> str:
    if response.status is None:
        return f"transport failure: {response.error}"
    body = response.body
    if isinstance(body, dict):
        messages = [str(m) for m in body.get("errorMessages", [])]
        messages += [f"{k}: {v}" for k, v in dict(body.get("errors", {})).items()]
        if messages:
            return f"HTTP {response.status}: " + "; ".join(messages)
    return f"HTTP {response.status}"


class JiraProtocol:
    """Requests and response handling for one Jira REST API version."""

    def __init__(self, *, api: int, retry: RetryPolicy) -> None:
        if api not in (2, 3):
            raise ValueError(f"unsupported Jira API version {api!r} (use 2 or 3)")
        self.api = api
        self.retry = retry

    def _check(self, response: Response, ok: tuple[int, ...]) -> Any:
        if response.status in ok:
            return response.body
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        if response.status is None or response.status in RETRYABLE:
            raise _Retry(_error_text(response), status=response.status, retry_after=retry_after)
        raise DeliveryError(_error_text(response), status=response.status, retry_after=retry_after)

    def search_request(self, label: str) -> Request:
        """Find issues carrying the idempotency label (``POST /rest/api/N/search``)."""
        return Request(
            "POST",
            f"/rest/api/{self.api}/search",
            {"jql": f'labels = "{label}" ORDER BY created ASC', "fields": ["key"], "maxResults": 1},
        )

    def create_request(self, body: Mapping[str, Any]) -> Request:
        """Create the issue (``POST /rest/api/N/issue``)."""
        return Request("POST", f"/rest/api/{self.api}/issue", body)

    def ensure_issue(
        self, body: Mapping[str, Any], label: str
    ) -> Generator[Request | Wait | Fence, Response | None, IssueRef]:
        """Find the issue labelled ``label`` or create it from ``body``, retrying.

        Every try searches first, so a create whose answer was lost (timeout,
        a crash after Jira stored it) is found instead of created again. A
        :class:`Fence` comes right before every create: the driver checks (and
        renews) its lease there, so a worker that lost the item never creates.

        Raises:
            DeliveryError: a non-retryable answer (400, 401, 403, 404, ...), or
                the retry budget ran out (``.status``/``.retry_after`` of the last failure).

        """
        last: _Retry | None = None
        uncertain = False  # a create may have reached Jira without us seeing the answer
        for attempt in range(self.retry.attempts):
            if attempt:
                assert last is not None
                if last.retry_after is not None and last.retry_after > self.retry.max_retry_after:
                    break
                wait = self.retry.delay(attempt - 1, last.retry_after)
                yield Wait(max(wait, self.retry.settle) if uncertain else wait)
            uncertain = False
            try:
                found = self._check((yield self.search_request(label)) or Response(None), (200,))
                issues = found.get("issues", []) if isinstance(found, dict) else []
                if issues:
                    return IssueRef(key=str(issues[0]["key"]), id=issues[0].get("id"), created=False)
                yield Fence()
                answer = (yield self.create_request(body)) or Response(None)
                # 429 and 503 say "not processed"; silence or another 5xx may hide a created issue.
                uncertain = answer.status is None or answer.status in (500, 502, 504)
                made = self._check(answer, (200, 201))
                if not isinstance(made, dict) or "key" not in made:
                    raise DeliveryError("Jira answered the create without an issue key", status=201)
                return IssueRef(key=str(made["key"]), id=made.get("id"), created=True)
            except _Retry as exc:
                last = exc
        assert last is not None
        raise DeliveryError(
            f"gave up after {self.retry.attempts} tries: {last}",
            status=last.status,
            retry_after=last.retry_after,
        )

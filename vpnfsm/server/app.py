"""The FastAPI application: ``POST /api/chat`` and friends, in front of a session store.

The service is stateless: every turn is load -> step -> compare-and-set save
through :class:`vpnfsm.AsyncAssistant`, so any number of workers can share one
Redis. Without a Redis URL it runs on the in-memory store (one process).
"""

import asyncio
import functools
import hmac
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Request, Response
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, ConfigDict, Field, create_model

from vpnfsm import __version__
from vpnfsm._idempotency import APPLIED_CAP, MAX_MESSAGE_ID_CHARS
from vpnfsm._turn import DEFAULT_MAX_MESSAGE_CHARS, MAX_SESSION_ID_CHARS, check_session_id
from vpnfsm.assistant import AsyncAssistant
from vpnfsm.dialogue.language import load_model as load_language_model
from vpnfsm.errors import StoreUnavailable
from vpnfsm.flows.registry import FLOWS
from vpnfsm.handoff.summary import HandoffSummary, build_summary
from vpnfsm.reply import Reply
from vpnfsm.server._chat_route import ChatRoute
from vpnfsm.server._guard import Guard
from vpnfsm.server._lane import CHAT_PATH, LaneSpec, ServiceApp
from vpnfsm.server._methods import AnswerOptions
from vpnfsm.server.metrics import CONTENT_TYPE, ServiceMetrics
from vpnfsm.server.page import KeyOrPageTenant, install_page
from vpnfsm.server.problems import PROBLEM_MEDIA_TYPE, Problem, ProblemError, install_problem_handlers
from vpnfsm.server.settings import API_KEY_HEADER, DEFAULT_TENANT, Settings
from vpnfsm.session import HistoryEntry
from vpnfsm.store.memory import AsyncMemoryStore
from vpnfsm.store.redis import AsyncRedisStore
from vpnfsm.types import AsyncSessionStore, Extractor

__all__ = ["ChatRequest", "SessionView", "app_from_env", "create_app"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

# Session ids are the host's thread ids: any printable text (checked by
# check_session_id, which answers 422); in a path, URL-encode them.
_SESSION_ID_DOC = f"a session id: 1-{MAX_SESSION_ID_CHARS} printable characters (URL-encoded in paths)"
_PING_TIMEOUT_SECONDS = 2.0

#: Which store the service runs on, as ``/readyz`` reports it.
StoreKind = Literal["memory", "redis", "custom"]

_api_key = APIKeyHeader(name=API_KEY_HEADER, auto_error=False, description="the tenant's API key")


async def _current_tenant(request: Request, key: Annotated[str | None, Depends(_api_key)]) -> str:
    resolve: Callable[[str | None], str] = request.app.state.tenant_of
    tenant = resolve(key)
    request.state.tenant = tenant  # for log lines about this request (vpnfsm.server.problems)
    return tenant


Tenant = Annotated[str, Depends(_current_tenant)]
SessionId = Annotated[
    str, PathParam(min_length=1, max_length=MAX_SESSION_ID_CHARS, description=_SESSION_ID_DOC)
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=MAX_MESSAGE_ID_CHARS,
        pattern=r"^[!-~]+$",
        description="the message's own id (e.g. a UUID or the host's event id); "
        "a repeat gets the first reply and changes nothing",
    ),
]

_MESSAGE_DESCRIPTION = "what the user typed"

_CHAT_DESCRIPTION = f"""Answer one user message; an unknown `session_id` starts a new session (`notice`).

**Retries.** Send an `Idempotency-Key` header (any 1-{MAX_MESSAGE_ID_CHARS} visible ASCII
characters, unique per message) and the request is safe to repeat: a key this session
already applied (among its last {APPLIED_CAP}) is answered with the reply of the first
application and changes nothing. Without a `session_id`, the new session's id is derived
from the key, so a retried first message reaches the same session. The same key with a
different message is 422. A 503 says in `may_have_applied` whether the message may have
been stored and in `retry_safe` whether repeating the request is safe; with a key it
always is: wait `Retry-After` seconds and send the same request again."""


class ChatRequest(BaseModel):
    """One user message; ``session_id`` continues a conversation."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"message": "VPN is not working"}]})

    message: str = Field(min_length=1, max_length=DEFAULT_MAX_MESSAGE_CHARS, description=_MESSAGE_DESCRIPTION)
    session_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_SESSION_ID_CHARS,
        description="from the previous reply, or the host's own thread id; omit to start",
    )


class SessionView(BaseModel):
    """A stored conversation as ``GET /api/sessions/{id}`` shows it."""

    session_id: str
    flow: str | None
    state: str | None
    slots: dict[str, str | None]
    outcome: Literal["resolved", "handoff"] | None
    handoff: bool
    handoff_summary: HandoffSummary | None
    ticket: str | None
    turns: int
    created_at: datetime
    updated_at: datetime
    history: list[HistoryEntry]


class Status(BaseModel):
    """The body of ``/healthz`` and ``/readyz``."""

    status: Literal["ok", "ready"]
    version: str
    store: StoreKind | None = None


def _problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    ref = {"schema": {"$ref": "#/components/schemas/Problem"}}
    return {
        status: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: ref}, "description": "problem details"}
        for status in statuses
    }


def _chat_request_for(max_message_chars: int) -> type[ChatRequest]:
    """:class:`ChatRequest` with this service's message limit, so the OpenAPI schema shows it."""
    if max_message_chars == DEFAULT_MAX_MESSAGE_CHARS:
        return ChatRequest
    limited: type[ChatRequest] = create_model(
        "ChatRequest",
        __base__=ChatRequest,
        message=(str, Field(min_length=1, max_length=max_message_chars, description=_MESSAGE_DESCRIPTION)),
    )
    return limited


def _store_for(settings: Settings) -> tuple[AsyncSessionStore, StoreKind]:
    if settings.redis_url is None:
        return AsyncMemoryStore(), "memory"
    return AsyncRedisStore.from_url(settings.redis_url), "redis"


@functools.cache
def _diagram_svg(flow: str) -> str:
    # Lazy: graphviz is loaded only when somebody opens the page.
    from vpnfsm.diagram import to_svg

    return to_svg(FLOWS[flow])


def create_app(
    settings: Settings | None = None,
    *,
    store: AsyncSessionStore | None = None,
    extractor: Extractor | None = None,
) -> FastAPI:
    """Build the service.

    Args:
        settings: store URL, API keys and limits; :meth:`Settings.from_env` by default.
        store: a ready store (tests, hosts); overrides ``settings.redis_url``.
        extractor: the message reader; the rule-based extractor by default.

    Raises:
        TenantError: the configured API keys are invalid.

    """
    settings = settings if settings is not None else Settings.from_env()
    the_store: AsyncSessionStore
    store_kind: StoreKind
    the_store, store_kind = (store, "custom") if store is not None else _store_for(settings)
    bot = AsyncAssistant(the_store, extractor=extractor, max_message_chars=settings.max_message_chars)
    metrics = ServiceMetrics(tenant_labels=settings.metrics_token is not None)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Before the first request, not during it: the first long non-English
        # message would otherwise wait half a second for the language model.
        await asyncio.to_thread(load_language_model)
        yield
        if isinstance(the_store, AsyncRedisStore) and store is None:  # only close what we opened
            await the_store.aclose()

    app = ServiceApp(
        title="vpnfsm",
        version=__version__,
        description="State-machine IT-support assistant: chat turns, sessions, health and metrics.\n\n"
        "`POST /api/chat` takes an `Idempotency-Key` header: a retried message is applied once "
        "(see that operation).",
        lifespan=lifespan,
        # FastAPI's docs pages load their scripts from a CDN; the service makes
        # no outside requests, so it publishes only /openapi.json.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.bot = bot
    app.state.metrics = metrics
    install_problem_handlers(app)
    app.add_middleware(AnswerOptions)  # inside Guard, so its answers get the headers too
    app.add_middleware(Guard, max_body_bytes=settings.body_limit)

    app.state.tenant_of = _tenant_resolver(settings)

    async def chat(
        body: ChatRequest, tenant: KeyOrPageTenant, request: Request, idempotency_key: IdempotencyKey = None
    ) -> Response:
        """Answer one user message; an unknown ``session_id`` starts a new session (``notice``)."""
        request.state.session_id = body.session_id  # for log lines about this request
        started = time.perf_counter()
        reply = await bot.handle(body.message, body.session_id, tenant=tenant, message_id=idempotency_key)
        metrics.observe_turn(reply, tenant=tenant, seconds=time.perf_counter() - started, ended_now=reply.ended_now)
        # Serialized once by pydantic; returning the model would make FastAPI
        # validate and serialize it a second time on every turn.
        return Response(reply.model_dump_json(), media_type="application/json")

    # The body model carries this service's message limit, so its OpenAPI
    # maxLength is the one enforced; FastAPI reads the annotation at registration.
    chat.__annotations__["body"] = _chat_request_for(settings.max_message_chars)
    # ChatRoute: the declaration (and the OpenAPI schema) as FastAPI builds it,
    # with a direct path for well-formed requests (vpnfsm/server/_chat_route.py).
    app.router.add_api_route(
        CHAT_PATH,
        chat,
        methods=["POST"],
        route_class_override=ChatRoute,
        response_model=Reply,
        responses=_problems(400, 401, 409, 413, 422, 503),
        summary="Answer one message",
        description=_CHAT_DESCRIPTION,
    )
    # In front of the middleware, the chat lane answers well-formed turns with
    # this route's endpoint and hands everything else to the full stack
    # (vpnfsm/server/_lane.py); it steps aside if a host adds middleware.
    app.chat_lane = LaneSpec(
        route=_route_of(app, CHAT_PATH),
        max_body_bytes=settings.body_limit,
        middleware=tuple(app.user_middleware),
    )

    @app.get(
        "/api/sessions/{session_id:path}",
        response_model=SessionView,
        responses=_problems(401, 404, 422, 503),
        summary="Show a conversation",
    )
    async def get_session(session_id: SessionId, tenant: Tenant) -> SessionView:
        """State, slots, history and handoff summary of one of this tenant's sessions."""
        session = await bot.store.load(check_session_id(session_id), tenant=tenant)
        if session is None:
            raise ProblemError(404, "Not found", "no such session")
        handed_off = session.outcome == "handoff"
        return SessionView(
            session_id=session.id,
            flow=session.flow,
            state=session.state,
            slots=dict(session.slots),
            outcome=session.outcome,
            handoff=handed_off,
            handoff_summary=build_summary(session) if handed_off else None,
            ticket=session.ticket,
            turns=session.turns,
            created_at=datetime.fromtimestamp(session.created_at, tz=UTC),
            updated_at=datetime.fromtimestamp(session.updated_at, tz=UTC),
            history=await bot.store.history(session_id, tenant=tenant),
        )

    @app.delete(
        "/api/sessions/{session_id:path}",
        status_code=204,
        response_class=Response,
        responses=_problems(401, 404, 422, 503),
        summary="Forget a conversation",
    )
    async def delete_session(session_id: SessionId, tenant: Tenant) -> Response:
        """Delete one of this tenant's sessions and its history."""
        if not await bot.store.delete(check_session_id(session_id), tenant=tenant):
            raise ProblemError(404, "Not found", "no such session")
        return Response(status_code=204)

    @app.get(
        "/api/flows/{name}/diagram.svg",
        response_class=Response,
        responses={
            200: {"content": {"image/svg+xml": {"schema": {"type": "string"}}}},
            **_problems(401, 404, 422, 503),
        },
        summary="The flow's state diagram",
    )
    async def flow_diagram(name: str, tenant: KeyOrPageTenant) -> Response:
        """The flow's state machine as SVG; each state is the element ``#state-<STATE>``."""
        if name not in FLOWS:
            raise ProblemError(404, "Not found", "no such flow")
        try:
            svg = await run_in_threadpool(_diagram_svg, name)  # runs `dot` once per process
        except (ImportError, OSError, RuntimeError) as exc:
            # graphviz missing or failing is the server's setup, not a bug: say so, and the page chats on.
            logger.warning("flow diagram unavailable: %s", exc)
            raise ProblemError(
                503, "Diagram unavailable", "the server cannot draw diagrams (graphviz)", kind="diagram-unavailable"
            ) from exc
        return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "max-age=300"})

    @app.get("/healthz", response_model=Status, summary="The process is up")
    async def healthz() -> Status:
        """Liveness: answers as long as the process serves requests."""
        return Status(status="ok", version=__version__)

    @app.get("/readyz", response_model=Status, responses=_problems(503), summary="The store is reachable")
    async def readyz() -> Status:
        """Readiness: the session store answers a ping within two seconds."""
        try:
            await asyncio.wait_for(bot.store.ping(), timeout=_PING_TIMEOUT_SECONDS)
        except TimeoutError as exc:
            raise StoreUnavailable("store ping timed out") from exc
        return Status(status="ready", version=__version__, store=store_kind)

    @app.get(
        "/metrics",
        response_class=PlainTextResponse,
        responses={200: {"content": {CONTENT_TYPE: {"schema": {"type": "string"}}}}},
        summary="Prometheus metrics",
    )
    async def prometheus_metrics(request: Request) -> Response:
        """Turns, intents, handoffs, resolutions, turn latency and store errors.

        With a metrics token configured, only ``Authorization: Bearer <token>`` may scrape.
        """
        if settings.metrics_token is not None and not _bearer_matches(request, settings.metrics_token):
            raise ProblemError(
                401,
                "Unauthorized",
                "the metrics bearer token is required in the Authorization header",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    install_page(app, settings)  # the page, its files and its token (vpnfsm/server/page.py)
    return app


def _route_of(app: FastAPI, path: str) -> ChatRoute:
    return next(route for route in app.router.routes if isinstance(route, ChatRoute) and route.path == path)


def _bearer_matches(request: Request, token: str) -> bool:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    # compare_digest: the time taken must not tell how much of a guess was right.
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())


def _tenant_resolver(settings: Settings) -> Callable[[str | None], str]:
    keys = dict(settings.api_keys)

    def resolve(key: str | None) -> str:
        if not keys:
            return DEFAULT_TENANT
        tenant = keys.get(key) if key else None
        if tenant is None:
            raise ProblemError(
                401,
                "Unauthorized",
                f"a valid API key is required in the {API_KEY_HEADER} header",
                headers={"WWW-Authenticate": f'ApiKey header="{API_KEY_HEADER}"'},
            )
        return tenant

    return resolve


def app_from_env() -> FastAPI:
    """App factory for ``uvicorn --factory vpnfsm.server.app:app_from_env`` (settings from the environment).

    Workers started by ``vpnfsm serve`` read the private settings file it wrote
    (``VPNFSM_SETTINGS_FILE``) instead of the environment.

    Raises:
        TenantError: the configured API keys are invalid.
        SettingsError: a variable is invalid, or the settings file cannot be read.

    """
    return create_app(Settings.from_env())

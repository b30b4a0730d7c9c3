"""Slack host (extra ``slack``): a slack-bolt app in front of :class:`~vpnfsm.Assistant`.

* **Where it listens.** Direct messages to the app (``message`` events with
  ``channel_type`` ``im``) and mentions in channels (``app_mention``). Plain
  channel messages are not read: in a channel the bot answers when called.
  Other bots' messages and edits (any ``subtype``) are ignored, so two bots
  never talk to each other.
* **Sessions.** One session per tenant + channel + thread: a mention in a
  channel opens a thread on that message, and every mention in the thread
  continues the same conversation. In a direct message without a thread the
  conversation is the channel itself, replied to at the top level.
* **Signatures.** Bolt verifies ``X-Slack-Signature`` and the timestamp
  against the signing secret; a request that fails is answered 401 and
  never reaches the assistant.
* **Retries.** Slack re-sends an event it thinks was not received, with the
  same ``event_id``; the id is the message id of :meth:`Assistant.handle`, so
  a retried event is applied once. The reply is posted again only when Slack
  says the first attempt failed (not for ``http_timeout``, where the first
  attempt is still running and posts it).
* **Handoff.** The turn that hands the case over also posts a Block Kit card
  (:func:`vpnfsm.hosts.cards.block_kit`) with the reference and the ticket.

The app is thin like :mod:`vpnfsm.server`: it calls the facade and never a store.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltRequest
from slack_sdk import WebClient

from vpnfsm._patterns import compile_user
from vpnfsm.assistant import Assistant
from vpnfsm.errors import InputError, VpnfsmError
from vpnfsm.hosts._texts import TROUBLE, refusal
from vpnfsm.hosts.cards import block_kit
from vpnfsm.reply import Reply

if TYPE_CHECKING:
    from starlette.applications import Starlette

__all__ = ["SlackMessage", "create_slack_app", "events_api", "slack_session_id"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

# `<@U0123ABC>` or `<@U0123ABC|name>`: who was mentioned, not what was said.
_MENTION = compile_user(r"<@[A-Z0-9]+(?:\|[^>]*)?>", name="hosts.slack:mention")
#: Retry reasons after which the first attempt may still post its reply itself.
_STILL_RUNNING = frozenset({"http_timeout"})


def slack_session_id(channel: str, thread: str | None) -> str:
    """The session id of one Slack conversation: ``channel:thread``, e.g. ``C0123ABC:1712345678.123456``.

    Session ids are any printable text, so Slack's own ids are used as they
    are (an operator finds the session of a thread by its link); a direct
    message without a thread is the channel alone.
    """
    return f"{channel}:{thread}" if thread else channel


@dataclass(frozen=True)
class SlackMessage:
    """What the adapter reads from one Slack event."""

    event_id: str
    channel: str
    #: the thread to answer in (``None``: a direct message answered at the top level)
    thread: str | None
    text: str

    @classmethod
    def from_event(cls, body: Mapping[str, Any], event: Mapping[str, Any]) -> SlackMessage:
        """Read an ``app_mention`` or direct ``message`` event.

        A mention without a thread starts one on the message itself; a direct
        message without a thread stays in the channel.
        """
        thread = event.get("thread_ts")
        if thread is None and event.get("channel_type") != "im":
            thread = event["ts"]
        text = _MENTION.sub("", str(event.get("text") or ""))
        # Slack escapes these three in message text.
        text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        return cls(event_id=str(body["event_id"]), channel=str(event["channel"]), thread=thread, text=text.strip())


def _retry(request: BoltRequest) -> tuple[bool, str | None]:
    headers = request.headers
    number = headers.get("x-slack-retry-num", [None])[0]
    reason = headers.get("x-slack-retry-reason", [None])[0]
    return number not in (None, "", "0"), reason


def create_slack_app(
    assistant: Assistant,
    *,
    signing_secret: str,
    token: str,
    tenant: str = "default",
    api_url: str = WebClient.BASE_URL,
    process_before_response: bool = False,
) -> App:
    """A bolt ``App`` that answers direct messages and mentions through ``assistant``.

    Args:
        assistant: the facade (its store decides where sessions live).
        signing_secret: the app's signing secret (bolt checks every request with it).
        token: the bot token (``xoxb-...``).
        tenant: the tenant every session of this workspace belongs to.
        api_url: Slack's Web API base URL (tests point it at a local fake).
        process_before_response: answer Slack's request only after the reply is
            posted (needed where threads do not outlive the request, e.g. FaaS).

    Raises:
        ValueError: ``signing_secret`` or ``token`` is empty (an empty secret
            would let anyone sign requests).

    """
    if not signing_secret or not token:
        raise ValueError("a Slack app needs its signing secret and bot token; neither may be empty")
    app = App(
        signing_secret=signing_secret,
        client=WebClient(token=token, base_url=api_url),
        process_before_response=process_before_response,
        logger=logger,
    )

    def answer(message: SlackMessage, request: BoltRequest, say_client: WebClient) -> None:
        retried, reason = _retry(request)
        session_id = slack_session_id(message.channel, message.thread)
        try:
            reply = assistant.handle(message.text, session_id, tenant=tenant, message_id=message.event_id)
        except InputError as exc:
            _post(say_client, message, text=refusal(exc))
            return
        except VpnfsmError as exc:  # store down, conflicts: the user hears it, the log says why
            logger.warning("slack turn failed for session %s: %s", session_id, type(exc).__name__)
            _post(say_client, message, text=TROUBLE)
            return
        if retried and reason in _STILL_RUNNING:
            return  # applied once already; the first attempt posts the reply
        _post_reply(say_client, message, reply)

    @app.event("app_mention")
    def on_mention(body: dict[str, Any], event: dict[str, Any], request: BoltRequest, client: WebClient) -> None:
        answer(SlackMessage.from_event(body, event), request, client)

    @app.event("message")
    def on_message(body: dict[str, Any], event: dict[str, Any], request: BoltRequest, client: WebClient) -> None:
        # Channel messages that mention the app also arrive as app_mention: read those there only.
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        answer(SlackMessage.from_event(body, event), request, client)

    return app


def _post(client: WebClient, message: SlackMessage, *, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
    client.chat_postMessage(channel=message.channel, thread_ts=message.thread, text=text, blocks=blocks)


def _post_reply(client: WebClient, message: SlackMessage, reply: Reply) -> None:
    _post(client, message, text=reply.reply)
    if reply.ended_now and reply.outcome == "handoff" and reply.handoff_summary is not None:
        summary = reply.handoff_summary
        fallback = f"Handed over to the support team: {summary.reference}"  # notifications show this
        _post(client, message, text=fallback, blocks=block_kit(summary, ticket=reply.ticket))


def events_api(app: App, *, path: str = "/slack/events") -> Starlette:
    """An ASGI app that hands Slack's Events API requests at ``path`` to bolt (serve it with uvicorn).

    Bolt answers ``url_verification`` challenges and checks every signature
    itself. Its sync dispatch runs in a worker thread, so a slow Web API call
    never blocks the event loop.
    """
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def events(request: Request) -> Response:
        body = (await request.body()).decode("utf-8", errors="replace")
        headers: dict[str, str | Sequence[str]] = {name: [value] for name, value in request.headers.items()}
        bolt = BoltRequest(body=body, query=request.url.query, headers=headers)
        answer = await run_in_threadpool(app.dispatch, bolt)
        response = Response(content=answer.body, status_code=answer.status)
        for name, values in answer.headers.items():
            for value in values:
                response.headers.append(name, value)
        return response

    return Starlette(routes=[Route(path, events, methods=["POST"])])

"""Microsoft Teams host (extra ``teams``): a Bot Framework activity handler in front of :class:`~vpnfsm.AsyncAssistant`.

* **Sessions.** The Teams conversation id is the session id
  (:func:`teams_session_id`): a personal chat, a group chat and a channel
  thread each keep one conversation.
* **Mentions.** In channels users write ``@Bot vpn is down``; the mention of
  the bot is taken out before the text reaches the assistant.
* **Redelivery.** The activity id is the message id of
  :meth:`AsyncAssistant.handle`, so an activity the channel sends twice is
  applied once.
* **Handoff.** The turn that hands the case over also sends an Adaptive Card
  (:func:`vpnfsm.hosts.cards.adaptive_card`) with the reference and the ticket.
* **Serving.** :func:`create_teams_web_app` puts the bot behind
  ``POST /api/messages`` with botbuilder's ``CloudAdapter``, which checks the
  Bot Framework's tokens for the configured app id.

The bot is thin like :mod:`vpnfsm.server`: it calls the facade and never a store.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from botbuilder.core import ActivityHandler, CardFactory, MessageFactory, TurnContext
from botbuilder.schema import Activity

from vpnfsm._idempotency import check_message_id
from vpnfsm._turn import MAX_SESSION_ID_CHARS
from vpnfsm.assistant import AsyncAssistant
from vpnfsm.errors import InputError, VpnfsmError
from vpnfsm.hosts._texts import TROUBLE, refusal
from vpnfsm.hosts.cards import adaptive_card

__all__ = ["TeamsApp", "VpnfsmTeamsBot", "create_teams_web_app", "message_text", "teams_session_id"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())



def teams_session_id(conversation_id: str) -> str:
    """The session id of a Teams conversation: the conversation id itself.

    Session ids are any printable text up to 256 characters; a longer id
    (Teams does not promise a length) becomes ``teams:`` and its SHA-256, so
    it still names one session and never fails the turn.
    """
    if len(conversation_id) <= MAX_SESSION_ID_CHARS:
        return conversation_id
    return "teams:" + hashlib.sha256(conversation_id.encode("utf-8")).hexdigest()


def message_text(activity: Activity) -> str:
    """The user's words: the activity text without the mention of the bot itself."""
    text = str(activity.text or "")
    recipient = activity.recipient.id if activity.recipient is not None else None
    for entity in activity.entities or []:
        if entity.type != "mention":
            continue
        props: dict[str, Any] = entity.additional_properties or {}
        mentioned = props.get("mentioned") or {}
        if mentioned.get("id") == recipient and props.get("text"):
            text = text.replace(str(props["text"]), " ")  # the exact `<at>Name</at>` Teams inserted
    return " ".join(text.split())


def _message_id(activity_id: str | None) -> str | None:
    # Teams' activity ids fit a message id; an id that does not is still answered,
    # only without the guard against a second delivery.
    try:
        return check_message_id(activity_id) if activity_id else None
    except InputError:
        return None


class VpnfsmTeamsBot(ActivityHandler):  # type: ignore[misc]  # botbuilder ships no type information
    """Answers each message activity through the assistant, one session per Teams conversation."""

    def __init__(self, assistant: AsyncAssistant, *, tenant: str = "default") -> None:
        """Serve ``assistant`` for one tenant (one bot registration per tenant)."""
        super().__init__()
        self.assistant = assistant
        self.tenant = tenant

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        """Answer one message; a handoff also sends the Adaptive Card."""
        activity: Activity = turn_context.activity
        session_id = teams_session_id(str(activity.conversation.id))
        try:
            reply = await self.assistant.handle(
                message_text(activity), session_id, tenant=self.tenant, message_id=_message_id(activity.id)
            )
        except InputError as exc:
            await turn_context.send_activity(MessageFactory.text(refusal(exc)))
            return
        except VpnfsmError as exc:  # store down, conflicts: the user hears it, the log says why
            logger.warning("teams turn failed for a conversation: %s", type(exc).__name__)
            await turn_context.send_activity(MessageFactory.text(TROUBLE))
            return
        await turn_context.send_activity(MessageFactory.text(reply.reply))
        if reply.ended_now and reply.outcome == "handoff" and reply.handoff_summary is not None:
            card = CardFactory.adaptive_card(adaptive_card(reply.handoff_summary, ticket=reply.ticket))
            await turn_context.send_activity(MessageFactory.attachment(card))


@dataclass(frozen=True)
class TeamsApp:
    """The Bot Framework registration the web app checks tokens for (``MicrosoftAppId`` and friends)."""

    app_id: str
    app_password: str
    #: ``MultiTenant``, ``SingleTenant`` or ``UserAssignedMSI``
    app_type: str = "MultiTenant"
    app_tenant_id: str = ""

    # The attribute names botbuilder's ConfigurationBotFrameworkAuthentication reads.
    @property
    def APP_ID(self) -> str:  # noqa: N802
        """The app id, under the name botbuilder reads."""
        return self.app_id

    @property
    def APP_PASSWORD(self) -> str:  # noqa: N802
        """The app password, under the name botbuilder reads."""
        return self.app_password

    @property
    def APP_TYPE(self) -> str:  # noqa: N802
        """The app type, under the name botbuilder reads."""
        return self.app_type

    @property
    def APP_TENANTID(self) -> str:  # noqa: N802
        """The app's Entra tenant, under the name botbuilder reads."""
        return self.app_tenant_id


def create_teams_web_app(bot: VpnfsmTeamsBot, registration: TeamsApp) -> web.Application:
    """An aiohttp application serving ``POST /api/messages`` for the Bot Framework."""
    from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(registration))

    async def on_error(context: TurnContext, error: Exception) -> None:
        logger.error("teams turn raised %s", type(error).__name__)
        await context.send_activity(MessageFactory.text(TROUBLE))

    adapter.on_turn_error = on_error

    async def messages(request: web.Request) -> web.StreamResponse:
        response: web.StreamResponse = await adapter.process(request, bot)
        return response

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return app

"""Microsoft Graph (msgraph-sdk, async; azure-identity client secret): deadlines into a shared mailbox's
calendar, and the weekly digest by e-mail.

Calendar: every open statutory deadline of the school is an all-day event in GRAPH_CALENDAR_MAILBOX's
calendar. Created once (its Graph id stored in ``graph_event``), updated when the deadline's date changes,
deleted when it is done or no longer applies; run again with nothing changed, it sends nothing. Group
(Microsoft 365 group) calendars are not writable with application permissions, hence a shared mailbox.
Events name the pupil by initials only: a mailbox calendar is read by more people than the SEN team.

Mail: the digest, sent as GRAPH_MAIL_SENDER (``Mail.Send``, scoped to that mailbox by Exchange RBAC for
Applications, docs/teams.md). GRAPH_BASE_URL points the client at a fake Graph in tests.
"""

import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from azure.identity.aio import ClientSecretCredential
from kiota_abstractions.api_error import APIError
from kiota_authentication_azure.azure_identity_authentication_provider import AzureIdentityAuthenticationProvider
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.body_type import BodyType
from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
from msgraph.generated.models.email_address import EmailAddress
from msgraph.generated.models.event import Event
from msgraph.generated.models.free_busy_status import FreeBusyStatus
from msgraph.generated.models.item_body import ItemBody
from msgraph.generated.models.message import Message
from msgraph.generated.models.recipient import Recipient
from msgraph.generated.users.item.send_mail.send_mail_post_request_body import SendMailPostRequestBody
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.config import Settings
from bot.reply import Reply, initials
from bot.rules.citations import KINDS
from bot.services.deadlines import ensure_fresh
from bot.teams.storage import GraphEvent
from db.engine import transaction
from db.models import Deadline, Pupil, School, utcnow

if TYPE_CHECKING:
    from bot.state import Service

log = logging.getLogger(__name__)

SCOPES = ["https://graph.microsoft.com/.default"]


def client(settings: Settings) -> GraphServiceClient:
    """The Graph client, with a client-secret credential of the Entra app, talking to GRAPH_BASE_URL."""
    tenant = settings.graph_tenant_id or settings.teams_tenant_id
    client_id = settings.graph_client_id or settings.teams_app_id
    secret = settings.graph_client_secret or settings.teams_app_password
    if not (tenant and client_id and secret):
        raise ValueError("Graph needs a tenant id, a client id and a client secret (docs/teams.md)")
    credential = ClientSecretCredential(tenant, client_id, secret)
    base = settings.graph_base_url.rstrip("/")
    host = urlsplit(base).hostname or "graph.microsoft.com"
    auth = AzureIdentityAuthenticationProvider(credential, scopes=SCOPES, allowed_hosts=[host])
    adapter = GraphRequestAdapter(auth)
    adapter.base_url = base
    return GraphServiceClient(request_adapter=adapter)


@dataclass
class CalendarReport:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return (f"Calendar: {self.created} created, {self.updated} updated, {self.deleted} deleted, "
                f"{self.unchanged} unchanged.")


@dataclass(frozen=True)
class Wanted:
    key: str
    due: date
    subject: str
    body: str


def wanted_events(engine: Engine, school_id: int) -> dict[str, Wanted]:
    """The school's open deadlines as the events the calendar should hold (pupils by initials only)."""
    with Session(engine) as session:
        rows = session.exec(select(Deadline, Pupil.name).join(Pupil, col(Pupil.id) == Deadline.pupil_id, isouter=True)
                            .where(Deadline.school_id == school_id, col(Deadline.done).is_(False))).all()
    out = {}
    for deadline, pupil_name in rows:
        title = KINDS[deadline.kind].title if deadline.kind in KINDS else deadline.kind
        who = f" — {initials(pupil_name)}" if pupil_name else ""
        out[deadline.key] = Wanted(deadline.key, deadline.due, f"SEN: {title}{who}",
                                   f"{deadline.rule}. sendbot deadline #{deadline.id}: /sen due for details.")
    return out


def _event(w: Wanted, zone: str) -> Event:
    return Event(subject=w.subject, body=ItemBody(content_type=BodyType.Text, content=w.body), is_all_day=True,
                 show_as=FreeBusyStatus.Free, is_reminder_on=False,
                 start=DateTimeTimeZone(date_time=f"{w.due.isoformat()}T00:00:00", time_zone=zone),
                 end=DateTimeTimeZone(date_time=f"{(w.due + timedelta(days=1)).isoformat()}T00:00:00", time_zone=zone))


async def sync_calendar(engine: Engine, graph: GraphServiceClient, school_id: int, mailbox: str,
                        today: date) -> CalendarReport:
    """Make the mailbox calendar match the open deadlines: create, move, delete; idempotent."""
    with transaction(engine) as session:
        school = session.get(School, school_id)
        if school is None:
            raise ValueError(f"no school {school_id}")
        ensure_fresh(session, school, today)  # deadlines as of today, as any read of them is
        zone = school.zone
    with Session(engine) as session:
        stored = {e.deadline_key: (e.event_id, e.due_on)
                  for e in session.exec(select(GraphEvent).where(GraphEvent.school_id == school_id))}
    wanted = wanted_events(engine, school_id)
    events = graph.users.by_user_id(mailbox).events
    report = CalendarReport()
    for key, w in wanted.items():
        if key not in stored:
            made = await events.post(_event(w, zone))
            if made is None or not made.id:
                raise RuntimeError("Graph created an event without an id")
            _store(engine, school_id, key, made.id, w.due)
            report.created += 1
        elif stored[key][1] != w.due:
            await events.by_event_id(stored[key][0]).patch(_event(w, zone))
            _store(engine, school_id, key, stored[key][0], w.due)
            report.updated += 1
        else:
            report.unchanged += 1
    for key, (event_id, _) in stored.items():
        if key in wanted:
            continue
        try:
            await events.by_event_id(event_id).delete()
        except APIError as e:
            if e.response_status_code != 404:  # already deleted by someone: forget it all the same
                raise
        with transaction(engine) as session:
            for row in session.exec(select(GraphEvent).where(GraphEvent.school_id == school_id,
                                                             GraphEvent.deadline_key == key)):
                session.delete(row)
        report.deleted += 1
    return report


def _store(engine: Engine, school_id: int, key: str, event_id: str, due: date) -> None:
    with transaction(engine) as session:
        row = session.exec(select(GraphEvent).where(GraphEvent.school_id == school_id,
                                                    GraphEvent.deadline_key == key)).first()
        row = row or GraphEvent(school_id=school_id, deadline_key=key, event_id=event_id, due_on=due)
        row.event_id, row.due_on, row.updated_at = event_id, due, utcnow()
        session.add(row)


async def address_of(graph: GraphServiceClient, user_id: str) -> str:
    """A member of staff's e-mail address, from their Entra object id (their staff handle in Teams schools)."""
    from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder

    query = UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(select=["mail", "userPrincipalName"])
    config = UserItemRequestBuilder.UserItemRequestBuilderGetRequestConfiguration(query_parameters=query)
    user = await graph.users.by_user_id(user_id).get(request_configuration=config)
    address = (user.mail or user.user_principal_name) if user else None
    if not address:
        raise ValueError("no e-mail address for this user")
    return address


async def send_digest_mail(graph: GraphServiceClient, sender: str, to: list[str], reply: Reply) -> None:
    """The digest as a plain-text e-mail from ``sender`` to each address (one message, hidden recipients)."""
    if not to:
        return
    message = Message(subject=reply.title, body=ItemBody(content_type=BodyType.Text, content=reply.as_text()),
                      bcc_recipients=[Recipient(email_address=EmailAddress(address=a)) for a in to])
    await graph.users.by_user_id(sender).send_mail.post(SendMailPostRequestBody(message=message,
                                                                                save_to_sent_items=False))


CALENDAR_EVERY = 3600.0  # seconds between calendar syncs inside sendbot run


def calendar_service(settings: Settings, every: float = CALENDAR_EVERY) -> "Service":
    """``sendbot run``'s hourly calendar sync (the same work as ``sendbot teams calendar``), for every school."""
    import asyncio

    from bot.state import AppState

    mailbox = settings.graph_calendar_mailbox or ""

    async def start(state: AppState) -> Callable[[], Awaitable[None]]:
        graph = client(settings)

        async def loop() -> None:
            while True:
                with Session(state.engine) as session:
                    school_ids = list(session.exec(select(School.id)).all())
                for school_id in school_ids:
                    try:
                        report = await sync_calendar(state.engine, graph, school_id, mailbox, state.today())
                        state.count("graph_events_written", report.created + report.updated + report.deleted)
                    except Exception as e:  # the next hour tries again; ids only in the log
                        log.warning("calendar sync for school %s failed (%s)", school_id, e.__class__.__name__)
                await asyncio.sleep(every)

        task = asyncio.create_task(loop())

        async def stop() -> None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

        return stop

    return start

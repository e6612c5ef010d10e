"""Slack retries an event it thinks we missed (X-Slack-Retry-Num); each event id is taken once.

The id is recorded before the event is handled, so a retry arriving while the first delivery is still
being handled is dropped too. Rows older than a day are pruned: Slack stops retrying within the hour.
"""

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete

from bot.slack.storage import SlackEvent
from db.engine import transaction

KEEP = timedelta(days=1)


def first_delivery(engine: Engine, event_id: str, team_id: str | None) -> bool:
    """True the first time this event id is seen (and records it); False for a retry or duplicate."""
    now = datetime.now(UTC)
    try:
        with transaction(engine) as session:
            session.add(SlackEvent(event_id=event_id[:64], team_id=(team_id or "")[:32] or None, received_at=now))
    except IntegrityError:
        return False
    with transaction(engine) as session:
        session.exec(delete(SlackEvent).where(col(SlackEvent.received_at) < now - KEEP))
    return True

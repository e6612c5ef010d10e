"""neutral identity and tenancy

Revision ID: 0005_identity
Revises: 0004

Surfaces as equals (DESIGN.md): ``chat_workspace`` (platform, external id → school), ``staff_identity``
(platform, workspace, user id in its exact case → staff), ``conversation_ref`` (how to reach an identity)
and ``claim_code`` (the one-time code ``sendbot init`` prints). Today's ``school.slack_team_id`` becomes a
Slack workspace, and each Slack-id handle (``u0123abc``, stored lower-cased) in a bound school becomes a
Slack identity in its exact case (``U0123ABC``); the downgrade carries the workspaces back.
"""

import re
from datetime import UTC, datetime

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import sqlmodel.sql.sqltypes  # noqa: F401

revision = "0005_identity"
down_revision = "0004"
branch_labels = None
depends_on = None

SLACK_ID = re.compile(r"^[uw][a-z0-9]{5,}$")


def upgrade() -> None:
    op.create_table(
        "chat_workspace",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("linked_how", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("linked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "external_id"),
    )
    with op.batch_alter_table("chat_workspace", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_workspace_school_id"), ["school_id"], unique=False)
    op.create_table(
        "staff_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["workspace_id"], ["chat_workspace.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace_id", "user_id"),
    )
    with op.batch_alter_table("staff_identity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_identity_school_id"), ["school_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_identity_staff_id"), ["staff_id"], unique=False)
    op.create_table(
        "conversation_ref",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["identity_id"], ["staff_identity.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("identity_id"),
    )
    op.create_table(
        "claim_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("workspace_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["workspace_id"], ["chat_workspace.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash"),
    )
    with op.batch_alter_table("claim_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_code_school_id"), ["school_id"], unique=False)

    # Carry today's Slack binding over: the team id becomes a workspace, Slack-id handles become identities.
    connection = op.get_bind()
    now = datetime.now(UTC)
    school, staff = sa.table("school", sa.column("id"), sa.column("slack_team_id")), _staff()
    workspace, identity = _workspace(), _identity()
    bound = connection.execute(sa.select(school.c.id, school.c.slack_team_id)
                               .where(school.c.slack_team_id.is_not(None))).all()
    for school_id, team_id in bound:
        workspace_id = connection.execute(workspace.insert().values(
            platform="slack", external_id=team_id, school_id=school_id, linked_how="link", linked_at=now)
            .returning(workspace.c.id)).scalar_one()
        handles = connection.execute(sa.select(staff.c.id, staff.c.handle)
                                     .where(staff.c.school_id == school_id)).all()
        rows = [{"school_id": school_id, "staff_id": sid, "platform": "slack", "workspace_id": workspace_id,
                 "user_id": handle.upper(), "created_at": now} for sid, handle in handles if SLACK_ID.match(handle)]
        if rows:
            connection.execute(identity.insert(), rows)
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.drop_column("slack_team_id")


def downgrade() -> None:
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.add_column(sa.Column("slack_team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.create_unique_constraint("school_slack_team_id_key", ["slack_team_id"])
    connection = op.get_bind()
    school, workspace = sa.table("school", sa.column("id"), sa.column("slack_team_id")), _workspace()
    seen: set[int] = set()
    for school_id, team_id in connection.execute(
            sa.select(workspace.c.school_id, workspace.c.external_id)
            .where(workspace.c.platform == "slack").order_by(workspace.c.id)).all():
        if school_id not in seen:  # the old column held one workspace per school: the first linked
            seen.add(school_id)
            connection.execute(school.update().where(school.c.id == school_id).values(slack_team_id=team_id))
    with op.batch_alter_table("claim_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_code_school_id"))
    op.drop_table("claim_code")
    op.drop_table("conversation_ref")
    with op.batch_alter_table("staff_identity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_identity_staff_id"))
        batch_op.drop_index(batch_op.f("ix_staff_identity_school_id"))
    op.drop_table("staff_identity")
    with op.batch_alter_table("chat_workspace", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_workspace_school_id"))
    op.drop_table("chat_workspace")


def _staff() -> sa.TableClause:
    return sa.table("staff", sa.column("id"), sa.column("school_id"), sa.column("handle"))


def _workspace() -> sa.TableClause:
    return sa.table("chat_workspace", sa.column("id"), sa.column("platform"), sa.column("external_id"),
                    sa.column("school_id"), sa.column("linked_how"), sa.column("linked_at"))


def _identity() -> sa.TableClause:
    return sa.table("staff_identity", sa.column("school_id"), sa.column("staff_id"), sa.column("platform"),
                    sa.column("workspace_id"), sa.column("user_id"), sa.column("created_at"))

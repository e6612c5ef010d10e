"""teams and graph

Revision ID: 0011_teams
Revises: 0013_speed2

Teams conversation references (proactive reminders) and the Graph calendar events made for deadlines.
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import sqlmodel.sql.sqltypes  # noqa: F401

revision = "0011_teams"
down_revision = "0013_speed2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teams_conversation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("conversation_id", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column("service_url", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column("bot_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("school_id", "key"),
    )
    op.create_table(
        "graph_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("deadline_key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("school_id", "deadline_key"),
    )


def downgrade() -> None:
    op.drop_table("graph_event")
    op.drop_table("teams_conversation")

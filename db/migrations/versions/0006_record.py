"""trust the record: re-assessments, tribunal orders, decisions tied to appeals, review steps recorded,
NPQ enrolment, half-terms and closure days

Revision ID: 0006_record
Revises: 0012_register
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0006_record"
down_revision = "0012_register"
branch_labels = None
depends_on = None

_ADDED = (
    ("assessment_request", sa.Column("reassessment", sa.Boolean(), nullable=False, server_default=sa.false())),
    ("review_meeting", sa.Column("invited_on", sa.Date(), nullable=True)),
    ("review_meeting", sa.Column("report_sent_on", sa.Date(), nullable=True)),
    ("mediation_certificate", sa.Column("decision_id", sa.Integer(), nullable=True)),
    ("appeal", sa.Column("decision_id", sa.Integer(), nullable=True)),
    ("senco_appointment", sa.Column("enrolled_on", sa.Date(), nullable=True)),
    ("term", sa.Column("half_term_start", sa.Date(), nullable=True)),
    ("term", sa.Column("half_term_end", sa.Date(), nullable=True)),
)


def upgrade() -> None:
    for table, column in _ADDED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(column)
    op.create_table(
        "tribunal_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("ordered_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.ForeignKeyConstraint(["pupil_id"], ["pupil.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_tribunal_order_school_id", "tribunal_order", ["school_id"])
    op.create_index("ix_tribunal_order_pupil_id", "tribunal_order", ["pupil_id"])
    op.create_table(
        "closure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_closure_school_id", "closure", ["school_id"])
    op.create_table(
        "change_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("pupil_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("undo", sa.JSON(), nullable=True),
        sa.Column("undone", sa.Boolean(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_change_log_school_id", "change_log", ["school_id"])
    op.create_index("ix_change_log_staff_id", "change_log", ["staff_id"])
    op.create_index("ix_change_log_at", "change_log", ["at"])


def downgrade() -> None:
    op.drop_index("ix_change_log_at", table_name="change_log")
    op.drop_index("ix_change_log_staff_id", table_name="change_log")
    op.drop_index("ix_change_log_school_id", table_name="change_log")
    op.drop_table("change_log")
    op.drop_index("ix_closure_school_id", table_name="closure")
    op.drop_table("closure")
    op.drop_index("ix_tribunal_order_pupil_id", table_name="tribunal_order")
    op.drop_index("ix_tribunal_order_school_id", table_name="tribunal_order")
    op.drop_table("tribunal_order")
    for table, column in reversed(_ADDED):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column.name)

"""speed2: the sweep re-plans only the deadlines that changed

Revision ID: 0013_speed2
Revises: 0012_register

``reminder_sweep`` remembers the school's ``data_version`` it planned and the wall-clock time it read the
deadlines (``checked_at``); its fingerprint no longer includes the version. When only the version moved
(a fact was recorded, nothing school-wide changed), the sweep plans the deadlines updated since then.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401

revision = "0013_speed2"
down_revision = "0012_register"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reminder_sweep", schema=None) as batch_op:
        batch_op.add_column(sa.Column("data_version", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("checked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reminder_sweep", schema=None) as batch_op:
        batch_op.drop_column("checked_at")
        batch_op.drop_column("data_version")

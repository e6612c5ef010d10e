"""dashboard sign-in tables

Revision ID: 0010_dashboard
Revises: 0005_identity

One-time sign-in links (/sen dashboard) and the sessions they start; both keep only a SHA-256 of the secret.
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import sqlmodel.sql.sqltypes  # noqa: F401

revision = "0010_dashboard"
down_revision = "0005_identity"
branch_labels = None
depends_on = None


def _create(name: str, extra: list[sa.Column]) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        *extra,
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{name}_school_id"), ["school_id"], unique=False)
        batch_op.create_index(batch_op.f(f"ix_{name}_staff_id"), ["staff_id"], unique=False)


def upgrade() -> None:
    _create("dashboard_link", [sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)])
    _create("dashboard_session", [sa.Column("ended_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)])


def downgrade() -> None:
    for name in ("dashboard_session", "dashboard_link"):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{name}_staff_id"))
            batch_op.drop_index(batch_op.f(f"ix_{name}_school_id"))
        op.drop_table(name)

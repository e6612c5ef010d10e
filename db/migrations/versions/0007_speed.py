"""speed: indexed pupil lookup

Revision ID: 0007_speed
Revises: 0010_dashboard

``pupil_name_word`` holds each pupil's lower-cased name and name words, so finding "ava" or "Ava Sm" is an
indexed query instead of loading the whole school; an index on (school_id, upn) for UPN lookups; one on
deadline (school_id, kind, due) for the sweep's duties counted from when they opened, and digest sections;
``channel_pace``, the next free moment per chat conversation, shared by replicas on PostgreSQL. Existing
pupils are back-filled here. ANALYZE runs after every migration (db.engine.migrate), so the planners know
the new indexes.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401

revision = "0007_speed"
down_revision = "0010_dashboard"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pupil_name_word",
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("word", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.PrimaryKeyConstraint("pupil_id", "position"),
    )
    op.create_index("ix_pupil_name_word_lookup", "pupil_name_word", ["school_id", "word", "pupil_id"], unique=False)
    with op.batch_alter_table("pupil", schema=None) as batch_op:
        batch_op.create_index("ix_pupil_school_upn", ["school_id", "upn"], unique=False)
    with op.batch_alter_table("deadline", schema=None) as batch_op:
        batch_op.create_index("ix_deadline_school_kind_due", ["school_id", "kind", "due"], unique=False)
    op.create_table(
        "channel_pace",
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel"),
    )
    connection = op.get_bind()
    rows = []
    for pupil_id, school_id, name in connection.execute(sa.text("SELECT id, school_id, name FROM pupil")):
        words = name.lower().split()
        rows += [{"p": pupil_id, "n": n, "s": school_id, "w": w[:200]}
                 for n, w in enumerate([" ".join(words), *words])]
    if rows:
        connection.execute(
            sa.text("INSERT INTO pupil_name_word (pupil_id, position, school_id, word) VALUES (:p, :n, :s, :w)"),
            rows,
        )


def downgrade() -> None:
    op.drop_table("channel_pace")
    with op.batch_alter_table("deadline", schema=None) as batch_op:
        batch_op.drop_index("ix_deadline_school_kind_due")
    with op.batch_alter_table("pupil", schema=None) as batch_op:
        batch_op.drop_index("ix_pupil_school_upn")
    op.drop_index("ix_pupil_name_word_lookup", table_name="pupil_name_word")
    op.drop_table("pupil_name_word")

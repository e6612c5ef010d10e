"""speed3: a teacher's lists read by their pupils and by themselves

Revision ID: 0014_speed3
Revises: 0008_security

A teacher's /sen due and digest read the deadlines of the pupils they teach by ``(pupil_id, due)`` (or
``(pupil_id, kind, due)`` for a digest section of one kind) and their own by ``(staff_id, due)`` /
``(staff_id, kind, due)``, instead of walking the school's ``(school_id, due)`` index. ``(pupil_id, due)``
replaces the index on ``pupil_id`` alone, which it covers. The digest's overdue sections (the school's, the
LA's) read ``(school_id, duty, due)``: the LA's deadlines are few among thousands overdue. ANALYZE runs after every migration
(db.engine.migrate), so the planners know the new indexes.
"""

from alembic import op

revision = "0014_speed3"
down_revision = "0008_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deadline", schema=None) as batch_op:
        batch_op.drop_index("ix_deadline_pupil_id")
        batch_op.create_index("ix_deadline_pupil_due", ["pupil_id", "due"], unique=False)
        batch_op.create_index("ix_deadline_pupil_kind_due", ["pupil_id", "kind", "due"], unique=False)
        batch_op.create_index("ix_deadline_staff_due", ["staff_id", "due"], unique=False)
        batch_op.create_index("ix_deadline_staff_kind_due", ["staff_id", "kind", "due"], unique=False)
        batch_op.create_index("ix_deadline_school_duty_due", ["school_id", "duty", "due"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deadline", schema=None) as batch_op:
        batch_op.drop_index("ix_deadline_school_duty_due")
        batch_op.drop_index("ix_deadline_staff_kind_due")
        batch_op.drop_index("ix_deadline_staff_due")
        batch_op.drop_index("ix_deadline_pupil_kind_due")
        batch_op.drop_index("ix_deadline_pupil_due")
        batch_op.create_index("ix_deadline_pupil_id", ["pupil_id"], unique=False)

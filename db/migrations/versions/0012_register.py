"""register: census need types, teaching groups, staff e-mail, MIS ids, group interventions

Revision ID: 0012_register
Revises: 0010_dashboard

Pupils get their census SEN type codes (need, need2) and the MIS's id; class fields widen to hold several
teaching groups; staff get an e-mail (to match chat users); interventions get the provision-map fields.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401

revision = "0012_register"
down_revision = "0007_speed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pupil") as b:
        b.add_column(sa.Column("need", sa.String(length=5), nullable=True))
        b.add_column(sa.Column("need2", sa.String(length=5), nullable=True))
        b.add_column(sa.Column("mis_provision", sa.String(length=1), nullable=True))
        b.add_column(sa.Column("mis_id", sa.String(length=64), nullable=True))
        b.alter_column("class_name", existing_type=sa.String(length=40), type_=sa.String(length=200))
    with op.batch_alter_table("staff") as b:
        b.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        b.alter_column("class_name", existing_type=sa.String(length=40), type_=sa.String(length=200))
    with op.batch_alter_table("intervention") as b:
        b.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        b.add_column(sa.Column("sessions_per_week", sa.Integer(), nullable=True))
        b.add_column(sa.Column("minutes_per_session", sa.Integer(), nullable=True))
        b.create_index("ix_intervention_group_id", ["group_id"])


def downgrade() -> None:
    with op.batch_alter_table("intervention") as b:
        b.drop_index("ix_intervention_group_id")
        b.drop_column("minutes_per_session")
        b.drop_column("sessions_per_week")
        b.drop_column("group_id")
    with op.batch_alter_table("staff") as b:
        b.alter_column("class_name", existing_type=sa.String(length=200), type_=sa.String(length=40))
        b.drop_column("email")
    with op.batch_alter_table("pupil") as b:
        b.alter_column("class_name", existing_type=sa.String(length=200), type_=sa.String(length=40))
        b.drop_column("mis_id")
        b.drop_column("mis_provision")
        b.drop_column("need2")
        b.drop_column("need")

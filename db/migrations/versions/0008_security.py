"""security: replay guard, append-only audit, encrypted contacts and Slack tokens

Revision ID: 0008_security
Revises: 0011_teams

- ``slack_request_seen``: signatures of signed Slack requests already taken (replays are refused).
- ``audit_log`` is append-only: a trigger refuses UPDATE and DELETE (PostgreSQL and SQLite alike).
- ``parent_contact`` name, phone and email hold Fernet tokens: Text. Existing plain values are encrypted by
  ``sendbot encrypt-contacts`` (or on the next write); reads accept both while a school migrates.
- Slack token columns widened to 1000: a Fernet token is longer than the Slack token it holds.
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import sqlmodel.sql.sqltypes  # noqa: F401

revision = "0008_security"
down_revision = "0011_teams"
branch_labels = None
depends_on = None

TOKENS = {"slack_installations": ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token"),
          "slack_bots": ("bot_token", "bot_refresh_token")}
CONTACT = {"name": (200, False), "phone": (40, True), "email": (254, True)}

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: rows are never updated or deleted';
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        "slack_request_seen",
        sa.Column("signature", sa.String(length=80), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("signature"),
    )
    op.create_index(op.f("ix_slack_request_seen_timestamp"), "slack_request_seen", ["timestamp"], unique=False)
    with op.batch_alter_table("parent_contact") as batch:
        for column, (length, nullable) in CONTACT.items():
            batch.alter_column(column, existing_type=sa.String(length=length), type_=sa.Text(),
                               existing_nullable=nullable)
    for table, columns in TOKENS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(column, existing_type=sa.String(length=200), type_=sa.String(length=1000),
                                   existing_nullable=True)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute("CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
                   "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()")
        # TRUNCATE is not a row operation: the application's role should not hold that privilege
        # (docs/security.md); the test suite empties its database with it.
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log BEGIN "
                       "SELECT RAISE(ABORT, 'audit_log is append-only: rows are never updated or deleted'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    for table, columns in TOKENS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(column, existing_type=sa.String(length=1000), type_=sa.String(length=200),
                                   existing_nullable=True)
    with op.batch_alter_table("parent_contact") as batch:
        for column, (length, nullable) in CONTACT.items():
            batch.alter_column(column, existing_type=sa.Text(), type_=sa.String(length=length),
                               existing_nullable=nullable)
    op.drop_index(op.f("ix_slack_request_seen_timestamp"), table_name="slack_request_seen")
    op.drop_table("slack_request_seen")

"""understanding: what each reply understood, and staff's added intent phrasings

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 08:00:00
"""

from alembic import op
import sqlalchemy as sa
import core.db


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("message_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("understood", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("confidence", sa.Double(), nullable=True))
    op.create_table(
        "intent_phrasing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("intent", sa.String(length=40), nullable=False),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intent_phrasing")),
        sa.UniqueConstraint("text", name=op.f("uq_intent_phrasing_text")),
    )
    with op.batch_alter_table("intent_phrasing", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intent_phrasing_created_at"), ["created_at"])


def downgrade() -> None:
    with op.batch_alter_table("intent_phrasing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intent_phrasing_created_at"))
    op.drop_table("intent_phrasing")
    with op.batch_alter_table("message_log", schema=None) as batch_op:
        batch_op.drop_column("confidence")
        batch_op.drop_column("understood")

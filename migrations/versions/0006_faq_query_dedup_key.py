"""faq_query.dedup_key: chat questions are logged in batches and found by their message

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 07:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("faq_query", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dedup_key", sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_faq_query_dedup_key"), ["dedup_key"])


def downgrade() -> None:
    with op.batch_alter_table("faq_query", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_faq_query_dedup_key"), type_="unique")
        batch_op.drop_column("dedup_key")

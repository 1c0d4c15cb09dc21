"""staff_user.session_generation: logging out ends the account's sessions server-side

Revision ID: 0008b
Revises: 0007
Create Date: 2026-12-02 08:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0008b"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_column("session_generation")

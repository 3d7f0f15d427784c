"""message author and failure reason

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 13:11:07.113417
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
        batch_op.add_column(sa.Column("failure_reason", sa.String(length=20), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_messages_customer_id_customers"),
            "customers",
            ["customer_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_check_constraint(
            op.f("ck_messages_failure_reason_valid"),
            "failure_reason IN ('window_closed', 'rejected', 'credentials', 'gave_up', 'no_adapter')",
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_messages_failure_reason_valid"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_messages_customer_id_customers"), type_="foreignkey")
        batch_op.drop_column("failure_reason")
        batch_op.drop_column("customer_id")

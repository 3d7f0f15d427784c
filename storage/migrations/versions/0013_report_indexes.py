"""reports: indexes on (tenant, time) for the tables the analytics read by period

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 18:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# (index, table, columns): what bot/analytics filters on, tenant first.
_INDEXES = (
    ("ix_conversations_tenant_created", "conversations", ["tenant_id", "created_at"]),
    ("ix_customers_tenant_created", "customers", ["tenant_id", "created_at"]),
    ("ix_handoffs_tenant_requested", "handoffs", ["tenant_id", "requested_at"]),
    ("ix_feedback_tenant_created", "feedback", ["tenant_id", "created_at"]),
    ("ix_usage_logs_tenant_created", "usage_logs", ["tenant_id", "created_at"]),
)


# Only group conversations, which are few: the reports' way from a tenant's groups to their messages.
_GROUP_CONVERSATIONS = "ix_conversations_tenant_group"


def upgrade() -> None:
    for name, table, columns in _INDEXES:
        op.create_index(name, table, columns, unique=False)
    op.create_index(
        _GROUP_CONVERSATIONS,
        "conversations",
        ["tenant_id", "group_id"],
        unique=False,
        sqlite_where=sa.text("group_id IS NOT NULL"),
        postgresql_where=sa.text("group_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        _GROUP_CONVERSATIONS,
        table_name="conversations",
        sqlite_where=sa.text("group_id IS NOT NULL"),
        postgresql_where=sa.text("group_id IS NOT NULL"),
    )
    for name, table, _columns in reversed(_INDEXES):
        op.drop_index(name, table_name=table)

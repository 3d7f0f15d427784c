"""csat: a rating's messages have their own route; agent tokens may expire

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.declarative

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ROUTES = "'silent', 'command', 'template', 'knowledge', 'llm', 'fallback', 'handoff', 'agent'"


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_messages_route_valid"), type_="check")
        batch_op.create_check_constraint(op.f("ck_messages_route_valid"), f"route IN ({_ROUTES}, 'feedback')")
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "token_expires_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("token_expires_at")
    op.execute("UPDATE messages SET route = 'template' WHERE route = 'feedback'")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_messages_route_valid"), type_="check")
        batch_op.create_check_constraint(op.f("ck_messages_route_valid"), f"route IN ({_ROUTES})")

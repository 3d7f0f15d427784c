"""clarify route: the bot's question back to the customer (which of two entries, or the order number)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 10:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_ROUTES = "'silent', 'command', 'template', 'knowledge', 'llm', 'fallback', 'handoff', 'agent', 'feedback'"


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_messages_route_valid"), type_="check")
        batch_op.create_check_constraint(op.f("ck_messages_route_valid"), f"route IN ({_ROUTES}, 'clarify')")


def downgrade() -> None:
    # A question back to the customer is closest to the fallback: neither answered the question.
    op.execute("UPDATE messages SET route = 'fallback' WHERE route = 'clarify'")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_messages_route_valid"), type_="check")
        batch_op.create_check_constraint(op.f("ck_messages_route_valid"), f"route IN ({_ROUTES})")

"""bot llm settings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 13:55:52.000065
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bots", schema=None) as batch_op:
        # Existing bots get the defaults: three tool rounds, apologise (not hand over) when the LLM fails.
        batch_op.add_column(sa.Column("max_tool_rounds", sa.Integer(), nullable=False, server_default="3"))
        batch_op.add_column(
            sa.Column("handoff_on_llm_failure", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_check_constraint(
            op.f("ck_bots_temperature_range"), "temperature >= 0 AND temperature <= 2"
        )
        batch_op.create_check_constraint(
            op.f("ck_bots_tool_rounds_range"), "max_tool_rounds >= 0 AND max_tool_rounds <= 10"
        )


def downgrade() -> None:
    with op.batch_alter_table("bots", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_bots_tool_rounds_range"), type_="check")
        batch_op.drop_constraint(op.f("ck_bots_temperature_range"), type_="check")
        batch_op.drop_column("handoff_on_llm_failure")
        batch_op.drop_column("max_tool_rounds")

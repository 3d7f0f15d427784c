"""leads: lead activities also record changes of the customer type

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-01 09:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lead_activities", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_lead_activities_field_valid"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_lead_activities_field_valid"), "field IN ('stage', 'score', 'label', 'type')"
        )


def downgrade() -> None:
    op.execute("DELETE FROM lead_activities WHERE field = 'type'")
    with op.batch_alter_table("lead_activities", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_lead_activities_field_valid"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_lead_activities_field_valid"), "field IN ('stage', 'score', 'label')"
        )

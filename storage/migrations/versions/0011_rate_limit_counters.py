"""rate limits: per-tenant and per-customer counters of LLM turns in minute and hour windows

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.declarative

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_counters",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("window_start", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("hits >= 0", name=op.f("ck_rate_limit_counters_hits_non_negative")),
        sa.CheckConstraint("kind IN ('minute', 'hour')", name=op.f("ck_rate_limit_counters_kind_valid")),
        sa.CheckConstraint(
            "scope IN ('tenant', 'customer')", name=op.f("ck_rate_limit_counters_scope_valid")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_rate_limit_counters_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limit_counters")),
        sa.UniqueConstraint(
            "tenant_id", "scope", "subject_id", "kind", "window_start", name="uq_rate_limit_counters_window"
        ),
    )
    with op.batch_alter_table("rate_limit_counters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rate_limit_counters_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(
            "ix_rate_limit_counters_tenant_expiry", ["tenant_id", "expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("rate_limit_counters", schema=None) as batch_op:
        batch_op.drop_index("ix_rate_limit_counters_tenant_expiry")
        batch_op.drop_index(batch_op.f("ix_rate_limit_counters_tenant_id"))
    op.drop_table("rate_limit_counters")

"""message parts: every part of a split reply with its platform id, matched to echoes by text digest

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 06:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.declarative

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_parts",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("channel_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("conversation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("part_index", sa.Integer(), nullable=False),
        sa.Column("text_digest", sa.String(length=64), nullable=False),
        sa.Column("platform_message_id", sa.String(length=255), nullable=True),
        sa.Column("unconfirmed", sa.Boolean(), nullable=False),
        sa.Column("sent_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_message_parts_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_message_parts_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_message_parts_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_message_parts_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_parts")),
        sa.UniqueConstraint(
            "channel_id", "platform_message_id", name=op.f("uq_message_parts_channel_id_platform_message_id")
        ),
        sa.UniqueConstraint("message_id", "part_index", name=op.f("uq_message_parts_message_id_part_index")),
    )
    op.create_index(
        "ix_message_parts_channel_digest", "message_parts", ["channel_id", "text_digest"], unique=False
    )
    op.create_index(op.f("ix_message_parts_tenant_id"), "message_parts", ["tenant_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_message_parts_tenant_id"), table_name="message_parts")
    op.drop_index("ix_message_parts_channel_digest", table_name="message_parts")
    op.drop_table("message_parts")

"""conversion attribution: first and last touch on conversations and conversions, ctwa_clid and ref on messages, a conversion's bot, intent and request digest

A customer's conversations are found by an index on conversations.customer_id.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

import storage.models.declarative

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _touch_columns() -> list[sa.Column[object]]:
    columns: list[sa.Column[object]] = []
    for which in ("first", "last"):
        columns += [
            sa.Column(f"{which}_touch_source", sa.String(length=10), nullable=True),
            sa.Column(f"{which}_touch_ad_id", sa.String(length=128), nullable=True),
            sa.Column(f"{which}_touch_ctwa_clid", sa.Text(), nullable=True),
            sa.Column(f"{which}_touch_ref", sa.Text(), nullable=True),
            sa.Column(
                f"{which}_touch_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=True
            ),
            sa.Column(f"{which}_touch_campaign_id", _ID, nullable=True),
        ]
    return columns


def _add_touches(batch_op: BatchOperations, table: str) -> None:
    for column in _touch_columns():
        batch_op.add_column(column)
    for which in ("first", "last"):
        batch_op.create_foreign_key(
            op.f(f"fk_{table}_{which}_touch_campaign_id_campaigns"),
            "campaigns",
            [f"{which}_touch_campaign_id"],
            ["id"],
            ondelete="SET NULL",
        )


def _drop_touches(batch_op: BatchOperations, table: str) -> None:
    for which in ("first", "last"):
        batch_op.drop_constraint(op.f(f"fk_{table}_{which}_touch_campaign_id_campaigns"), type_="foreignkey")
    for column in _touch_columns():
        batch_op.drop_column(column.name)


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ctwa_clid", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("ref", sa.Text(), nullable=True))
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        _add_touches(batch_op, "conversations")
        batch_op.create_index(batch_op.f("ix_conversations_customer_id"), ["customer_id"], unique=False)
    with op.batch_alter_table("conversions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bot_id", _ID, nullable=True))
        batch_op.add_column(sa.Column("intent", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("request_digest", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_conversions_bot_id_bots"), "bots", ["bot_id"], ["id"], ondelete="SET NULL"
        )
        _add_touches(batch_op, "conversions")


def downgrade() -> None:
    with op.batch_alter_table("conversions", schema=None) as batch_op:
        _drop_touches(batch_op, "conversions")
        batch_op.drop_constraint(op.f("fk_conversions_bot_id_bots"), type_="foreignkey")
        batch_op.drop_column("request_digest")
        batch_op.drop_column("intent")
        batch_op.drop_column("bot_id")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversations_customer_id"))
        _drop_touches(batch_op, "conversations")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("ref")
        batch_op.drop_column("ctwa_clid")

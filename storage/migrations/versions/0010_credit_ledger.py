"""credits: plan prices and overage, holds on the balance, ledger kinds of issue 10, notices, billing keys

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 09:00:00.000000

- plans: ``price`` (USD per period), ``overage_allowed``, ``overage_price_per_credit``; the seeded plans
  get their prices (free 0, basic 19, pro 99, enterprise 499; overage on pro at 0.08 and enterprise at
  0.04 USD per credit).
- bots: ``out_of_credits_action`` (``answer`` or ``handoff``; existing bots answer offline).
- credit_accounts: ``reserved`` (credits held by LLM turns in flight, never above the balance), and the
  period's ``period_used``, ``period_plan_credits`` (set from the tenant's plan) and ``period_overage``.
- credit_transactions: the kinds grant, refill, expire, reserve, commit, release, adjust (old rows:
  debit -> commit, purchase -> grant, refund -> adjust); ``reserved_delta`` and ``reserved_after``; the
  turn's ``inbound_event_id``. An account with a balance and no ledger gets an opening ``refill`` row, so
  every ledger sums to its balance.
- credit_holds (open reservations) and credit_notices (80 % / 100 % notices, once per period): new.
- billing_events: ``idempotency_key`` (unique per tenant; old rows get ``legacy:<id>``), ``period_start``
  and ``period_end``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.declarative

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NEW_KINDS = "kind IN ('grant', 'refill', 'expire', 'reserve', 'commit', 'release', 'adjust')"
OLD_KINDS = "kind IN ('grant', 'debit', 'purchase', 'expire', 'refund', 'adjust')"
# code: price per period, overage allowed, overage price per credit (USD).
PLAN_PRICES = {
    "free": ("0", False, "0"),
    "basic": ("19", False, "0"),
    "pro": ("99", True, "0.08"),
    "enterprise": ("499", True, "0.04"),
}


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("price", sa.Numeric(12, 2), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("overage_allowed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("overage_price_per_credit", sa.Numeric(12, 6), server_default="0", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_plans_prices_non_negative"), "price >= 0 AND overage_price_per_credit >= 0"
        )
    plans = sa.table(
        "plans",
        sa.column("code", sa.String),
        sa.column("price", sa.Numeric(12, 2)),
        sa.column("overage_allowed", sa.Boolean),
        sa.column("overage_price_per_credit", sa.Numeric(12, 6)),
    )
    for code, (price, overage, per_credit) in PLAN_PRICES.items():
        op.execute(
            plans.update()
            .where(plans.c.code == code)
            .values(price=price, overage_allowed=overage, overage_price_per_credit=per_credit)
        )

    with op.batch_alter_table("bots", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("out_of_credits_action", sa.String(length=10), server_default="answer", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_bots_out_of_credits_action_valid"), "out_of_credits_action IN ('answer', 'handoff')"
        )

    with op.batch_alter_table("credit_accounts", schema=None) as batch_op:
        for column in ("reserved", "period_used", "period_plan_credits", "period_overage"):
            batch_op.add_column(sa.Column(column, sa.BigInteger(), server_default="0", nullable=False))
        batch_op.create_check_constraint(op.f("ck_credit_accounts_reserved_non_negative"), "reserved >= 0")
        batch_op.create_check_constraint(op.f("ck_credit_accounts_reserved_covered"), "balance >= reserved")
    # What the current period's refill brought: the credits of the tenant's latest subscription's plan.
    op.execute(
        "UPDATE credit_accounts SET period_plan_credits = COALESCE(("
        "SELECT plans.credits_per_period FROM subscriptions JOIN plans ON plans.id = subscriptions.plan_id "
        "WHERE subscriptions.tenant_id = credit_accounts.tenant_id ORDER BY subscriptions.id DESC LIMIT 1"
        "), 0)"
    )

    with op.batch_alter_table("credit_transactions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_credit_transactions_kind_valid"), type_="check")
    op.execute("UPDATE credit_transactions SET kind = 'commit' WHERE kind = 'debit'")
    op.execute("UPDATE credit_transactions SET kind = 'grant' WHERE kind = 'purchase'")
    op.execute("UPDATE credit_transactions SET kind = 'adjust' WHERE kind = 'refund'")
    with op.batch_alter_table("credit_transactions", schema=None) as batch_op:
        batch_op.create_check_constraint(op.f("ck_credit_transactions_kind_valid"), NEW_KINDS)
        batch_op.add_column(sa.Column("reserved_delta", sa.BigInteger(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("reserved_after", sa.BigInteger(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("inbound_event_id", BIG_ID, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_credit_transactions_inbound_event_id_inbound_events"),
            "inbound_events",
            ["inbound_event_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(
            batch_op.f("ix_credit_transactions_inbound_event_id"), ["inbound_event_id"], unique=False
        )
    op.execute(
        "INSERT INTO credit_transactions (tenant_id, account_id, delta, balance_after, reserved_delta, "
        "reserved_after, kind, idempotency_key, description, created_at, updated_at) "
        "SELECT a.tenant_id, a.id, a.balance, a.balance, 0, 0, 'refill', "
        "'opening:' || CAST(a.id AS VARCHAR(20)), 'the balance before the ledger', a.updated_at, a.updated_at "
        "FROM credit_accounts a WHERE a.balance > 0 AND NOT EXISTS "
        "(SELECT 1 FROM credit_transactions t WHERE t.tenant_id = a.tenant_id)"
    )

    op.create_table(
        "credit_holds",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", BIG_ID, nullable=False),
        sa.Column("inbound_event_id", BIG_ID, nullable=True),
        sa.Column("lock_token", sa.String(length=64), nullable=False),
        sa.Column("credits", sa.BigInteger(), nullable=False),
        sa.Column("reserve_id", BIG_ID, nullable=True),
        *_timestamps(),
        sa.CheckConstraint("credits > 0", name=op.f("ck_credit_holds_credits_positive")),
        sa.ForeignKeyConstraint(
            ["inbound_event_id"],
            ["inbound_events.id"],
            name=op.f("fk_credit_holds_inbound_event_id_inbound_events"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reserve_id"],
            ["credit_transactions.id"],
            name=op.f("fk_credit_holds_reserve_id_credit_transactions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_credit_holds_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_holds")),
        sa.UniqueConstraint(
            "inbound_event_id", "lock_token", name=op.f("uq_credit_holds_inbound_event_id_lock_token")
        ),
    )
    with op.batch_alter_table("credit_holds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_holds_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "credit_notices",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", BIG_ID, nullable=False),
        sa.Column("period_start", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("used", sa.BigInteger(), nullable=False),
        sa.Column("credits", sa.BigInteger(), nullable=False),
        sa.Column("webhook_delivery_id", BIG_ID, nullable=True),
        *_timestamps(),
        sa.CheckConstraint("threshold IN (80, 100)", name=op.f("ck_credit_notices_threshold_valid")),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_credit_notices_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["webhook_delivery_id"],
            ["webhook_deliveries.id"],
            name=op.f("fk_credit_notices_webhook_delivery_id_webhook_deliveries"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_notices")),
        sa.UniqueConstraint(
            "tenant_id",
            "period_start",
            "threshold",
            name=op.f("uq_credit_notices_tenant_id_period_start_threshold"),
        ),
    )
    with op.batch_alter_table("credit_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_notices_tenant_id"), ["tenant_id"], unique=False)

    with op.batch_alter_table("billing_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=128), nullable=True))
        batch_op.add_column(
            sa.Column("period_start", storage.models.declarative.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("period_end", storage.models.declarative.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE billing_events SET idempotency_key = 'legacy:' || CAST(id AS VARCHAR(20))")
    with op.batch_alter_table("billing_events", schema=None) as batch_op:
        batch_op.alter_column("idempotency_key", existing_type=sa.String(length=128), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_billing_events_tenant_id_idempotency_key"), ["tenant_id", "idempotency_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("billing_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_billing_events_tenant_id_idempotency_key"), type_="unique")
        batch_op.drop_column("period_end")
        batch_op.drop_column("period_start")
        batch_op.drop_column("idempotency_key")

    with op.batch_alter_table("credit_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_notices_tenant_id"))
    op.drop_table("credit_notices")
    with op.batch_alter_table("credit_holds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_holds_tenant_id"))
    op.drop_table("credit_holds")

    with op.batch_alter_table("credit_transactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_transactions_inbound_event_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_credit_transactions_inbound_event_id_inbound_events"), type_="foreignkey"
        )
        batch_op.drop_column("inbound_event_id")
        batch_op.drop_column("reserved_after")
        batch_op.drop_column("reserved_delta")
        batch_op.drop_constraint(op.f("ck_credit_transactions_kind_valid"), type_="check")
    # Holds do not exist before this revision: their rows go, and the kinds map back.
    op.execute("DELETE FROM credit_transactions WHERE kind IN ('reserve', 'release')")
    op.execute("UPDATE credit_transactions SET kind = 'debit' WHERE kind = 'commit'")
    op.execute("UPDATE credit_transactions SET kind = 'grant' WHERE kind = 'refill'")
    with op.batch_alter_table("credit_transactions", schema=None) as batch_op:
        batch_op.create_check_constraint(op.f("ck_credit_transactions_kind_valid"), OLD_KINDS)

    with op.batch_alter_table("credit_accounts", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_credit_accounts_reserved_covered"), type_="check")
        batch_op.drop_constraint(op.f("ck_credit_accounts_reserved_non_negative"), type_="check")
        for column in ("period_overage", "period_plan_credits", "period_used", "reserved"):
            batch_op.drop_column(column)

    with op.batch_alter_table("bots", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_bots_out_of_credits_action_valid"), type_="check")
        batch_op.drop_column("out_of_credits_action")

    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_plans_prices_non_negative"), type_="check")
        batch_op.drop_column("overage_price_per_credit")
        batch_op.drop_column("overage_allowed")
        batch_op.drop_column("price")

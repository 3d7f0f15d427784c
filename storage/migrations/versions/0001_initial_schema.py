"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 12:43:17.307376
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import storage.models.declarative

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("credits_per_period", sa.BigInteger(), nullable=False),
        sa.Column("requests_per_minute", sa.Integer(), nullable=False),
        sa.Column("requests_per_hour", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "code IN ('free', 'basic', 'pro', 'enterprise')", name=op.f("ck_plans_code_valid")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
        sa.UniqueConstraint("code", name=op.f("uq_plans_code")),
    )
    op.create_table(
        "tenants",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("api_key_hash", sa.String(length=128), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("inactivity_timeout_minutes", sa.Integer(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
        sa.UniqueConstraint("api_key_hash", name=op.f("uq_tenants_api_key_hash")),
        sa.UniqueConstraint("slug", name=op.f("uq_tenants_slug")),
    )
    op.create_table(
        "agents",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=128), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("last_seen_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('agent', 'admin')", name=op.f("ck_agents_role_valid")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_agents_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_agents_tenant_id_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_agents_token_hash")),
    )
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agents_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "bots",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("persona", sa.Text(), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=True),
        sa.Column("temperature", sa.Float(), nullable=False),
        sa.Column("max_output_tokens", sa.Integer(), nullable=False),
        sa.Column("knowledge_threshold", sa.Float(), nullable=False),
        sa.Column("escalation_threshold", sa.Float(), nullable=False),
        sa.Column("handoff_after_fallbacks", sa.Integer(), nullable=False),
        sa.Column("fallback_text", sa.Text(), nullable=True),
        sa.Column("enabled_tools", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_bots_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bots")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_bots_tenant_id_name")),
    )
    with op.batch_alter_table("bots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bots_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "campaigns",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("ad_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("source_type", sa.String(length=50), nullable=True),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_campaigns_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("tenant_id", "ad_id", name=op.f("uq_campaigns_tenant_id_ad_id")),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaigns_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "credit_accounts",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("used_total", sa.BigInteger(), nullable=False),
        sa.Column("purchased_total", sa.BigInteger(), nullable=False),
        sa.Column("expired_total", sa.BigInteger(), nullable=False),
        sa.Column("period_start", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("period_end", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("balance >= 0", name=op.f("ck_credit_accounts_balance_non_negative")),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_credit_accounts_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_accounts")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_credit_accounts_tenant_id")),
    )
    with op.batch_alter_table("credit_accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_accounts_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "knowledge_entries",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("usage_count", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_knowledge_entries_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_entries")),
    )
    with op.batch_alter_table("knowledge_entries", schema=None) as batch_op:
        batch_op.create_index("ix_knowledge_entries_tenant_active", ["tenant_id", "active"], unique=False)
        batch_op.create_index(batch_op.f("ix_knowledge_entries_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "monetization_sources",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('link', 'affiliate', 'ads', 'subscription', 'direct')",
            name=op.f("ck_monetization_sources_kind_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_monetization_sources_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monetization_sources")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_monetization_sources_tenant_id_name")),
    )
    with op.batch_alter_table("monetization_sources", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_monetization_sources_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "subscriptions",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("plan_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "current_period_start", storage.models.declarative.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "current_period_end", storage.models.declarative.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("trial_ends_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('trialing', 'active', 'past_due', 'canceled')",
            name=op.f("ck_subscriptions_status_valid"),
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_subscriptions_plan_id_plans")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_subscriptions_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subscriptions_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "templates",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("trigger_keywords", sa.JSON(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("usage_count", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_templates_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_templates")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_templates_tenant_id_name")),
    )
    with op.batch_alter_table("templates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_templates_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "billing_events",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("subscription_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("credits", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("occurred_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('subscription', 'overage')", name=op.f("ck_billing_events_kind_valid")),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_billing_events_amount_non_negative")),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_billing_events_subscription_id_subscriptions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_billing_events_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_events")),
    )
    with op.batch_alter_table("billing_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_billing_events_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "channels",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("bot_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("group_id", sa.String(length=128), nullable=True),
        sa.Column("webhook_key", sa.String(length=64), nullable=False),
        sa.Column("credentials_encrypted", sa.Text(), nullable=True),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("needs_credentials", sa.Boolean(), nullable=False),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "platform IN ('messenger', 'whatsapp', 'groupme', 'console')",
            name=op.f("ck_channels_platform_valid"),
        ),
        sa.ForeignKeyConstraint(["bot_id"], ["bots.id"], name=op.f("fk_channels_bot_id_bots")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_channels_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channels")),
        sa.UniqueConstraint("platform", "external_id", name=op.f("uq_channels_platform_external_id")),
        sa.UniqueConstraint("webhook_key", name=op.f("uq_channels_webhook_key")),
    )
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_channels_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "customers",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("channel_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("platform_user_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("first_name", sa.String(length=100), nullable=True),
        sa.Column("phone_e164", sa.String(length=20), nullable=True),
        sa.Column("lead_stage", sa.String(length=20), nullable=False),
        sa.Column("lead_score", sa.Integer(), nullable=False),
        sa.Column("lead_label", sa.String(length=10), nullable=False),
        sa.Column("customer_type", sa.String(length=20), nullable=False),
        sa.Column("last_seen_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "customer_type IN ('new', 'returning', 'vip')", name=op.f("ck_customers_customer_type_valid")
        ),
        sa.CheckConstraint(
            "lead_label IN ('hot', 'warm', 'cold')", name=op.f("ck_customers_lead_label_valid")
        ),
        sa.CheckConstraint(
            "lead_stage IN ('intake', 'nurture', 'convert', 'qualified', 'unqualified', 'lost')",
            name=op.f("ck_customers_lead_stage_valid"),
        ),
        sa.CheckConstraint(
            "lead_score >= 0 AND lead_score <= 100", name=op.f("ck_customers_lead_score_range")
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_customers_channel_id_channels"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_customers_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint(
            "channel_id", "platform_user_id", name=op.f("uq_customers_channel_id_platform_user_id")
        ),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customers_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "groups",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("channel_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("platform_group_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_groups_channel_id_channels"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_groups_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groups")),
        sa.UniqueConstraint(
            "channel_id", "platform_group_id", name=op.f("uq_groups_channel_id_platform_group_id")
        ),
    )
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_groups_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "inbound_events",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("channel_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("platform_event_id", sa.String(length=255), nullable=False),
        sa.Column("conversation_key", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("available_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", storage.models.declarative.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lock_token", sa.String(length=64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("processed_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('message', 'status', 'other')", name=op.f("ck_inbound_events_kind_valid")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'processing', 'done', 'failed')",
            name=op.f("ck_inbound_events_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_inbound_events_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_inbound_events_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_events")),
        sa.UniqueConstraint(
            "channel_id", "platform_event_id", name=op.f("uq_inbound_events_channel_id_platform_event_id")
        ),
    )
    with op.batch_alter_table("inbound_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inbound_events_conversation_status",
            ["channel_id", "conversation_key", "status"],
            unique=False,
        )
        batch_op.create_index("ix_inbound_events_status_available", ["status", "available_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_inbound_events_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "conversations",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("channel_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("bot_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("group_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("conversation_key", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("assigned_agent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("last_inbound_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_activity_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=True),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("consecutive_fallbacks", sa.Integer(), nullable=False),
        sa.Column("closed_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('new', 'bot_active', 'escalated', 'transferred', 'resolved', 'closed')",
            name=op.f("ck_conversations_status_valid"),
        ),
        sa.CheckConstraint(
            "customer_id IS NOT NULL OR group_id IS NOT NULL", name=op.f("ck_conversations_has_party")
        ),
        sa.ForeignKeyConstraint(
            ["assigned_agent_id"],
            ["agents.id"],
            name=op.f("fk_conversations_assigned_agent_id_agents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["bot_id"], ["bots.id"], name=op.f("fk_conversations_bot_id_bots")),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_conversations_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_conversations_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_conversations_group_id_groups"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_conversations_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
    )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversations_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(
            "ix_conversations_tenant_status_activity",
            ["tenant_id", "status", "last_activity_at"],
            unique=False,
        )
        batch_op.create_index(
            "uq_conversations_open_per_key",
            ["channel_id", "conversation_key"],
            unique=True,
            sqlite_where=sa.text("status != 'closed'"),
            postgresql_where=sa.text("status != 'closed'"),
        )

    op.create_table(
        "custom_commands",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("command", sa.String(length=64), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("group_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("usage_count", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_custom_commands_group_id_groups"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_custom_commands_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_commands")),
        sa.UniqueConstraint(
            "tenant_id", "group_id", "command", name=op.f("uq_custom_commands_tenant_id_group_id_command")
        ),
    )
    with op.batch_alter_table("custom_commands", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_custom_commands_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "group_members",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("group_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("platform_user_id", sa.String(length=128), nullable=False),
        sa.Column("username", sa.String(length=200), nullable=True),
        sa.Column("paid_subscriber", sa.Boolean(), nullable=False),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("engagement_score", sa.Float(), nullable=False),
        sa.Column("last_message_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_group_members_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_group_members_group_id_groups"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_group_members_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_members")),
        sa.UniqueConstraint(
            "group_id", "platform_user_id", name=op.f("uq_group_members_group_id_platform_user_id")
        ),
    )
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_members_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "lead_activities",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("field", sa.String(length=10), nullable=False),
        sa.Column("old_value", sa.String(length=50), nullable=True),
        sa.Column("new_value", sa.String(length=50), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("automated", sa.Boolean(), nullable=False),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "field IN ('stage', 'score', 'label')", name=op.f("ck_lead_activities_field_valid")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_lead_activities_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_lead_activities_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_activities")),
    )
    with op.batch_alter_table("lead_activities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lead_activities_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_lead_activities_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "feedback",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("conversation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rating >= 1 AND rating <= 5", name=op.f("ck_feedback_rating_range")),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_feedback_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_feedback_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sa.UniqueConstraint("conversation_id", name=op.f("uq_feedback_conversation_id")),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "handoffs",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("conversation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("agent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("requested_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "trigger IN ('customer_request', 'intent', 'sentiment', 'fallback', 'llm_tool', 'agent', 'operator')",
            name=op.f("ck_handoffs_trigger_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_handoffs_agent_id_agents"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_handoffs_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_handoffs_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoffs")),
    )
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handoffs_conversation_id"), ["conversation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_handoffs_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "messages",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("conversation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("channel_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("inbound_event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("agent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("platform_message_id", sa.String(length=255), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("ad_id", sa.String(length=128), nullable=True),
        sa.Column("post_id", sa.String(length=128), nullable=True),
        sa.Column("campaign_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("route", sa.String(length=10), nullable=True),
        sa.Column("intent", sa.String(length=64), nullable=True),
        sa.Column("intent_score", sa.Float(), nullable=True),
        sa.Column("sentiment", sa.String(length=10), nullable=True),
        sa.Column("sentiment_score", sa.Float(), nullable=True),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("sent_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=True),
        sa.Column("read_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("direction IN ('in', 'out')", name=op.f("ck_messages_direction_valid")),
        sa.CheckConstraint(
            "role IN ('user', 'assistant', 'agent', 'system')", name=op.f("ck_messages_role_valid")
        ),
        sa.CheckConstraint(
            "route IN ('silent', 'command', 'template', 'knowledge', 'llm', 'fallback', 'agent')",
            name=op.f("ck_messages_route_valid"),
        ),
        sa.CheckConstraint(
            "sentiment IN ('positive', 'neutral', 'negative')", name=op.f("ck_messages_sentiment_valid")
        ),
        sa.CheckConstraint(
            "source IN ('direct', 'ad', 'post', 'referral')", name=op.f("ck_messages_source_valid")
        ),
        sa.CheckConstraint(
            "status IN ('received', 'pending', 'sent', 'delivered', 'read', 'failed')",
            name=op.f("ck_messages_status_valid"),
        ),
        sa.CheckConstraint(
            "intent_score IS NULL OR (intent_score >= 0 AND intent_score <= 1)",
            name=op.f("ck_messages_intent_score_range"),
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_messages_agent_id_agents"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_messages_campaign_id_campaigns"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_messages_channel_id_channels"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_messages_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["inbound_event_id"],
            ["inbound_events.id"],
            name=op.f("fk_messages_inbound_event_id_inbound_events"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_messages_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint(
            "channel_id", "platform_message_id", name=op.f("uq_messages_channel_id_platform_message_id")
        ),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_messages_conversation_created", ["conversation_id", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_messages_inbound_event_id"), ["inbound_event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_messages_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "credit_transactions",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("delta", sa.BigInteger(), nullable=False),
        sa.Column("balance_after", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('grant', 'debit', 'purchase', 'expire', 'refund', 'adjust')",
            name=op.f("ck_credit_transactions_kind_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["credit_accounts.id"],
            name=op.f("fk_credit_transactions_account_id_credit_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_credit_transactions_message_id_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_credit_transactions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_transactions")),
        sa.UniqueConstraint(
            "tenant_id", "idempotency_key", name=op.f("uq_credit_transactions_tenant_id_idempotency_key")
        ),
    )
    with op.batch_alter_table("credit_transactions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_transactions_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "outbox",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("conversation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("channel_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("parts_sent", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", storage.models.declarative.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lock_token", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed')", name=op.f("ck_outbox_status_valid")
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_outbox_channel_id_channels"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_outbox_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_outbox_message_id_messages"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_outbox_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbox_message_id")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_conversation_status", ["conversation_id", "status"], unique=False)
        batch_op.create_index("ix_outbox_status_next_attempt", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "tool_calls",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("conversation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tool", sa.String(length=64), nullable=False),
        sa.Column("arguments", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_tool_calls_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_tool_calls_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_tool_calls_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tool_calls")),
    )
    with op.batch_alter_table("tool_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tool_calls_message_id"), ["message_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tool_calls_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "tracked_links",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("target_url", sa.Text(), nullable=False),
        sa.Column("conversation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("bot_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("product", sa.String(length=200), nullable=True),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.Column("first_clicked_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bot_id"], ["bots.id"], name=op.f("fk_tracked_links_bot_id_bots"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_tracked_links_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_tracked_links_message_id_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_tracked_links_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracked_links")),
        sa.UniqueConstraint("token", name=op.f("uq_tracked_links_token")),
    )
    with op.batch_alter_table("tracked_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tracked_links_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "usage_logs",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("conversation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("usage_type", sa.String(length=20), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=True),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("cost", sa.Numeric(precision=12, scale=6), nullable=False),
        sa.Column("response_time_ms", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_usage_logs_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_usage_logs_message_id_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_usage_logs_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_logs")),
    )
    with op.batch_alter_table("usage_logs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_usage_logs_conversation_id"), ["conversation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_usage_logs_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "conversions",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("conversation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("tracked_link_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "monetization_source_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("intent_score", sa.Double(), nullable=True),
        sa.Column("external_order_id", sa.String(length=128), nullable=True),
        sa.Column("occurred_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.declarative.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('purchased', 'visited', 'did_nothing', 'abandoned')",
            name=op.f("ck_conversions_outcome_valid"),
        ),
        sa.CheckConstraint(
            "intent_score IS NULL OR (intent_score >= 0 AND intent_score <= 1)",
            name=op.f("ck_conversions_intent_score_range"),
        ),
        sa.CheckConstraint("value >= 0", name=op.f("ck_conversions_value_non_negative")),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversions_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_conversions_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_conversions_message_id_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["monetization_source_id"],
            ["monetization_sources.id"],
            name=op.f("fk_conversions_monetization_source_id_monetization_sources"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_conversions_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tracked_link_id"],
            ["tracked_links.id"],
            name=op.f("fk_conversions_tracked_link_id_tracked_links"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversions")),
        sa.UniqueConstraint(
            "tenant_id", "external_order_id", name=op.f("uq_conversions_tenant_id_external_order_id")
        ),
    )
    with op.batch_alter_table("conversions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversions_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(
            "ix_conversions_tenant_outcome_time", ["tenant_id", "outcome", "occurred_at"], unique=False
        )

    # The four plans of DESIGN.md section 6: credits per period, requests per minute, per hour.
    plans = sa.table(
        "plans",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("credits_per_period", sa.BigInteger),
        sa.column("requests_per_minute", sa.Integer),
        sa.column("requests_per_hour", sa.Integer),
        sa.column("created_at", storage.models.declarative.UTCDateTime()),
        sa.column("updated_at", storage.models.declarative.UTCDateTime()),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        plans,
        [
            {
                "code": code,
                "name": name,
                "credits_per_period": credits,
                "requests_per_minute": rpm,
                "requests_per_hour": rph,
                "created_at": now,
                "updated_at": now,
            }
            for code, name, credits, rpm, rph in (
                ("free", "Free", 10, 5, 50),
                ("basic", "Basic", 100, 20, 500),
                ("pro", "Pro", 1000, 50, 2000),
                ("enterprise", "Enterprise", 10000, 100, 10000),
            )
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("conversions", schema=None) as batch_op:
        batch_op.drop_index("ix_conversions_tenant_outcome_time")
        batch_op.drop_index(batch_op.f("ix_conversions_tenant_id"))

    op.drop_table("conversions")
    with op.batch_alter_table("usage_logs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_usage_logs_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_usage_logs_conversation_id"))

    op.drop_table("usage_logs")
    with op.batch_alter_table("tracked_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tracked_links_tenant_id"))

    op.drop_table("tracked_links")
    with op.batch_alter_table("tool_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tool_calls_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_tool_calls_message_id"))

    op.drop_table("tool_calls")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_tenant_id"))
        batch_op.drop_index("ix_outbox_status_next_attempt")
        batch_op.drop_index("ix_outbox_conversation_status")

    op.drop_table("outbox")
    with op.batch_alter_table("credit_transactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_transactions_tenant_id"))

    op.drop_table("credit_transactions")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_messages_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_messages_inbound_event_id"))
        batch_op.drop_index("ix_messages_conversation_created")

    op.drop_table("messages")
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handoffs_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_handoffs_conversation_id"))

    op.drop_table("handoffs")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_tenant_id"))

    op.drop_table("feedback")
    with op.batch_alter_table("lead_activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_activities_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_lead_activities_customer_id"))

    op.drop_table("lead_activities")
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_members_tenant_id"))

    op.drop_table("group_members")
    with op.batch_alter_table("custom_commands", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_custom_commands_tenant_id"))

    op.drop_table("custom_commands")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_conversations_open_per_key",
            sqlite_where=sa.text("status != 'closed'"),
            postgresql_where=sa.text("status != 'closed'"),
        )
        batch_op.drop_index("ix_conversations_tenant_status_activity")
        batch_op.drop_index(batch_op.f("ix_conversations_tenant_id"))

    op.drop_table("conversations")
    with op.batch_alter_table("inbound_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_events_tenant_id"))
        batch_op.drop_index("ix_inbound_events_status_available")
        batch_op.drop_index("ix_inbound_events_conversation_status")

    op.drop_table("inbound_events")
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_groups_tenant_id"))

    op.drop_table("groups")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customers_tenant_id"))

    op.drop_table("customers")
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channels_tenant_id"))

    op.drop_table("channels")
    with op.batch_alter_table("billing_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_billing_events_tenant_id"))

    op.drop_table("billing_events")
    with op.batch_alter_table("templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_templates_tenant_id"))

    op.drop_table("templates")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscriptions_tenant_id"))

    op.drop_table("subscriptions")
    with op.batch_alter_table("monetization_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monetization_sources_tenant_id"))

    op.drop_table("monetization_sources")
    with op.batch_alter_table("knowledge_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_entries_tenant_id"))
        batch_op.drop_index("ix_knowledge_entries_tenant_active")

    op.drop_table("knowledge_entries")
    with op.batch_alter_table("credit_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_accounts_tenant_id"))

    op.drop_table("credit_accounts")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaigns_tenant_id"))

    op.drop_table("campaigns")
    with op.batch_alter_table("bots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bots_tenant_id"))

    op.drop_table("bots")
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agents_tenant_id"))

    op.drop_table("agents")
    op.drop_table("tenants")
    op.drop_table("plans")

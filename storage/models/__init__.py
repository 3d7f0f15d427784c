"""Typed SQLAlchemy models for the whole schema; importing this package registers every table."""

from storage.models.access_tables import ApiKey, IdempotentRequest
from storage.models.billing_tables import (
    BillingEvent,
    CreditAccount,
    CreditHold,
    CreditNotice,
    CreditTransaction,
    UsageLog,
)
from storage.models.channel_tables import Bot, Channel
from storage.models.conversation_tables import Conversation, Feedback, Handoff, Message, MessagePart, ToolCall
from storage.models.conversion_tables import Campaign, Conversion, MonetizationSource, TrackedLink
from storage.models.customer_tables import Customer, Group, GroupMember, LeadActivity
from storage.models.declarative import Base, utcnow
from storage.models.handoff_tables import (
    AgentNote,
    ConversationEvent,
    Erasure,
    LiveEvent,
    WebhookDelivery,
)
from storage.models.knowledge_tables import CustomCommand, KnowledgeEntry, Template
from storage.models.queue_tables import InboundEvent, OutboxItem
from storage.models.rate_limit_tables import RateLimitCounter
from storage.models.tenant_tables import Agent, Plan, Subscription, Tenant

__all__ = [
    "Agent",
    "AgentNote",
    "ApiKey",
    "Base",
    "BillingEvent",
    "Bot",
    "Campaign",
    "Channel",
    "Conversation",
    "ConversationEvent",
    "Conversion",
    "CreditAccount",
    "CreditHold",
    "CreditNotice",
    "CreditTransaction",
    "CustomCommand",
    "Customer",
    "Erasure",
    "Feedback",
    "Group",
    "GroupMember",
    "Handoff",
    "IdempotentRequest",
    "InboundEvent",
    "KnowledgeEntry",
    "LeadActivity",
    "LiveEvent",
    "Message",
    "MessagePart",
    "MonetizationSource",
    "OutboxItem",
    "Plan",
    "RateLimitCounter",
    "Subscription",
    "Template",
    "Tenant",
    "ToolCall",
    "TrackedLink",
    "UsageLog",
    "WebhookDelivery",
    "utcnow",
]

"""Typed SQLAlchemy models for the whole schema; importing this package registers every table."""

from storage.models.base import Base, utcnow
from storage.models.billing import BillingEvent, CreditAccount, CreditTransaction, UsageLog
from storage.models.channels import Bot, Channel
from storage.models.conversations import Conversation, Feedback, Handoff, Message, ToolCall
from storage.models.conversions import Campaign, Conversion, MonetizationSource, TrackedLink
from storage.models.customers import Customer, Group, GroupMember, LeadActivity
from storage.models.knowledge import CustomCommand, KnowledgeEntry, Template
from storage.models.queues import InboundEvent, OutboxItem
from storage.models.tenants import Agent, Plan, Subscription, Tenant

__all__ = [
    "Agent",
    "Base",
    "BillingEvent",
    "Bot",
    "Campaign",
    "Channel",
    "Conversation",
    "Conversion",
    "CreditAccount",
    "CreditTransaction",
    "CustomCommand",
    "Customer",
    "Feedback",
    "Group",
    "GroupMember",
    "Handoff",
    "InboundEvent",
    "KnowledgeEntry",
    "LeadActivity",
    "Message",
    "MonetizationSource",
    "OutboxItem",
    "Plan",
    "Subscription",
    "Template",
    "Tenant",
    "ToolCall",
    "TrackedLink",
    "UsageLog",
    "utcnow",
]

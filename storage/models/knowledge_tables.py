"""What a tenant teaches its bot: knowledge entries, templates and custom commands."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.declarative import Base, BigId, TenantOwned


class KnowledgeEntry(Base, TenantOwned):
    __tablename__ = "knowledge_entries"
    __table_args__ = (Index("ix_knowledge_entries_tenant_active", "tenant_id", "active"),)

    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    category: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    usage_count: Mapped[int] = mapped_column(Integer, default=0)


class Template(Base, TenantOwned):
    __tablename__ = "templates"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(String(100))
    trigger_keywords: Mapped[list[Any]] = mapped_column(default=list)
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    usage_count: Mapped[int] = mapped_column(Integer, default=0)


class CustomCommand(Base, TenantOwned):
    __tablename__ = "custom_commands"
    __table_args__ = (UniqueConstraint("tenant_id", "group_id", "command"),)

    command: Mapped[str] = mapped_column(String(64))
    response: Mapped[str] = mapped_column(Text)
    # NULL: for every conversation of the tenant; otherwise only in this GroupMe group
    group_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("groups.id", ondelete="CASCADE"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    usage_count: Mapped[int] = mapped_column(Integer, default=0)

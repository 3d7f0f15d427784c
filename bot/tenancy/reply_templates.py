"""A tenant's reply templates: list, read, create, change and delete them (the admin API and the CLI).

A template answers when one of its trigger keywords is in the customer's message (engine step 5); its
body may use placeholders such as ``{first_name}``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.render import PLACEHOLDERS, placeholder_values, placeholders_in, render
from bot.tenancy.named_rows import NamedRows
from bot.tenancy.schema_base import RequestModel, ResponseModel, given_changes
from storage import channels, tenants
from storage.keyset import Page
from storage.models import Template

TemplateName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Keyword = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Body = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
Keywords = Annotated[list[Keyword], Field(max_length=50)]
SampleName = Annotated[str, StringConstraints(max_length=200)]


class TemplateFields(RequestModel):
    name: TemplateName
    trigger_keywords: Keywords = Field(default_factory=list, description="any of these in a message fires it")
    body: Body = Field(description="the reply; placeholders such as {first_name} are filled per customer")
    active: bool = True


class TemplateChanges(RequestModel):
    name: TemplateName | None = None
    trigger_keywords: Keywords | None = None
    body: Body | None = None
    active: bool | None = None


class TemplateView(ResponseModel):
    id: int
    name: str
    trigger_keywords: list[str]
    body: str
    active: bool
    usage_count: int


class SampleCustomer(RequestModel):
    first_name: SampleName | None = None
    full_name: SampleName | None = None


class TemplatePreviewRequest(RequestModel):
    body: Body
    customer: SampleCustomer = Field(
        default_factory=SampleCustomer, description="sample values; left out, the customer is unnamed"
    )


class TemplatePreview(ResponseModel):
    text: str = Field(description="what a customer with these values would be sent")
    placeholders: list[str] = Field(description="the placeholders the body uses, in order")
    unknown: list[str] = Field(description="placeholders the bot does not fill: they are sent as written")


async def preview_template(
    session: AsyncSession, tenant_id: int, request: TemplatePreviewRequest
) -> TemplatePreview:
    """Render ``request.body`` as a turn would (bot/engine/render.py), with the tenant's own names."""
    tenant = await tenants.get_tenant(session, tenant_id)
    bot = await channels.first_bot(session, tenant_id)
    values = placeholder_values(
        first_name=request.customer.first_name,
        full_name=request.customer.full_name,
        bot_name=bot.name if bot is not None else None,
        tenant_name=tenant.name if tenant is not None else None,
    )
    used = placeholders_in(request.body)
    return TemplatePreview(
        text=render(request.body, values),
        placeholders=used,
        unknown=[name for name in used if name not in PLACEHOLDERS],
    )


TEMPLATES: NamedRows[Template] = NamedRows(Template, "template")


async def list_templates(
    session: AsyncSession, tenant_id: int, *, limit: int, before: int | None
) -> Page[Template]:
    return await TEMPLATES.page(session, tenant_id, limit=limit, before=before)


async def get_template(
    session: AsyncSession, tenant_id: int, template_id: int, *, for_update: bool = False
) -> Template:
    return await TEMPLATES.get(session, tenant_id, template_id, for_update=for_update)


async def create_template(session: AsyncSession, tenant_id: int, fields: TemplateFields) -> Template:
    return await TEMPLATES.create(session, tenant_id, fields.model_dump())


async def update_template(
    session: AsyncSession, tenant_id: int, template_id: int, changes: TemplateChanges, *, if_match: str | None
) -> Template:
    return await TEMPLATES.change(session, tenant_id, template_id, given_changes(changes), if_match=if_match)


async def delete_template(
    session: AsyncSession, tenant_id: int, template_id: int, *, if_match: str | None
) -> None:
    await TEMPLATES.delete(session, tenant_id, template_id, if_match=if_match)

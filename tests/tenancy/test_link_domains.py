"""A tenant's allowed link domains: what an operator may set, how it is stored, what the turn gets."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import AdminError
from bot.security import CredentialBox
from bot.tenancy.demo.seed import DemoReport, seed_demo
from bot.tenancy.tenant_accounts import allowed_link_domains, require_tenant, set_link_domains
from bot.tenancy.tenant_intents import IntentFields, save_intent, stored_intents
from storage.db import transaction


async def test_domains_are_stored_lowercase_once_each_and_replace_the_old_list(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    async with transaction(sessions) as session:
        tenant = await require_tenant(session, "demo")
        await save_intent(
            session, tenant.id, IntentFields(name="wholesale", examples=["do you sell to cafes"])
        )
        stored = await set_link_domains(
            session, tenant, ["Shop.Example.COM.", " pay.example.org ", "shop.example.com"]
        )

    assert stored == ("shop.example.com", "pay.example.org")
    async with transaction(sessions) as session:
        tenant = await require_tenant(session, "demo")
        assert allowed_link_domains(tenant.settings) == ("shop.example.com", "pay.example.org")
        assert [intent.name for intent in stored_intents(tenant)] == ["wholesale"]  # other settings kept
        assert await set_link_domains(session, tenant, []) == ()
    async with transaction(sessions) as session:
        assert allowed_link_domains((await require_tenant(session, "demo")).settings) == ()


@pytest.mark.parametrize(
    ("domain", "says"),
    [
        ("https://shop.example.com", "without scheme"),
        ("shop.example.com/checkout", "without scheme, path"),
        ("shop.example.com:8443", "port"),
        ("me@shop.example.com", "user name"),
        ("com", "at least two labels"),
        ("*.example.com", "not a host name"),
        ("shop..example.com", "not a host name"),
        ("-shop.example.com", "not a host name"),
        ("café.example", "xn--"),
        ("", "not a host name"),
    ],
)
async def test_anything_but_a_host_name_is_refused_and_nothing_changes(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport, domain: str, says: str
) -> None:
    with pytest.raises(AdminError) as refused:
        async with transaction(sessions) as session:
            await set_link_domains(session, await require_tenant(session, "demo"), ["good.example", domain])

    assert says in str(refused.value)
    assert repr(domain) in str(refused.value)
    async with transaction(sessions) as session:
        assert allowed_link_domains((await require_tenant(session, "demo")).settings) == (
            "democoffee.example",
        )


@pytest.mark.parametrize(
    "settings",
    [None, {}, {"allowed_link_domains": "shop.example"}, {"allowed_link_domains": [3, "https://x.example"]}],
)
def test_malformed_stored_settings_allow_no_domain(settings: dict[str, object] | None) -> None:
    assert allowed_link_domains(settings) == ()


async def test_the_demo_shop_is_allowed_and_a_cleared_list_stays_cleared_on_a_second_seed(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport, box: CredentialBox
) -> None:
    async with transaction(sessions) as session:
        tenant = await require_tenant(session, "demo")
        assert allowed_link_domains(tenant.settings) == ("democoffee.example",)
        await set_link_domains(session, tenant, [])

    async with transaction(sessions) as session:
        again = await seed_demo(session, box)

    assert not again.changed
    async with transaction(sessions) as session:
        assert allowed_link_domains((await require_tenant(session, "demo")).settings) == ()

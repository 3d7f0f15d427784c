"""`/api/v1/tenant`: a tenant admin reads and changes its own settings; the plan is shown, never changed."""

from __future__ import annotations

from tests.support.admin_api import AdminApi


async def test_an_admin_reads_and_changes_the_tenant_settings(admin: AdminApi) -> None:
    read = await admin.get("/tenant")
    assert read.status == 200, read.body
    assert read.body["slug"] == "demo"
    assert read.body["allowed_link_domains"] == ["democoffee.example"]
    assert read.body["attribution_window_days"] == 7
    assert (read.body["plan_code"], read.body["subscription_status"]) == ("pro", "active")

    changed = await admin.patch(
        "/tenant",
        {
            "name": "Demo Coffee Roasters",
            "timezone": "Europe/Lisbon",
            "inactivity_timeout_minutes": 60,
            "allowed_link_domains": ["Shop.Example.com.", "democoffee.example"],
            "attribution_window_days": 14,
            "link_token_param": "cb_link",
        },
        headers={"If-Match": read.etag},
    )
    assert changed.status == 200, changed.body
    assert changed.etag != read.etag
    again = await admin.get("/tenant")
    assert again.body == changed.body
    assert again.etag == changed.etag
    assert (again.body["name"], again.body["timezone"]) == ("Demo Coffee Roasters", "Europe/Lisbon")
    assert again.body["allowed_link_domains"] == ["shop.example.com", "democoffee.example"]
    assert (again.body["attribution_window_days"], again.body["link_token_param"]) == (14, "cb_link")
    assert again.body["inactivity_timeout_minutes"] == 60

    cleared = await admin.patch("/tenant", {"link_token_param": None, "allowed_link_domains": []})
    assert cleared.status == 200, cleared.body
    assert (cleared.body["link_token_param"], cleared.body["allowed_link_domains"]) == (None, [])


async def test_a_stale_etag_is_412_and_nothing_changes(admin: AdminApi) -> None:
    read = await admin.get("/tenant")
    assert (await admin.patch("/tenant", {"name": "First"}, headers={"If-Match": read.etag})).status == 200

    second = await admin.patch("/tenant", {"name": "Second"}, headers={"If-Match": read.etag})

    assert (second.status, second.error["field"]) == (412, "If-Match")
    assert (await admin.get("/tenant")).body["name"] == "First"


async def test_another_config_change_does_not_make_the_settings_stale(admin: AdminApi) -> None:
    read = await admin.get("/tenant")
    created = await admin.post("/templates", {"name": "hello", "body": "Hello!"})
    assert created.status == 201

    changed = await admin.patch("/tenant", {"timezone": "Asia/Tokyo"}, headers={"If-Match": read.etag})

    assert changed.status == 200, changed.body


async def test_refusals_name_the_field_and_change_nothing(admin: AdminApi) -> None:
    before = (await admin.get("/tenant")).body
    refusals = {
        "timezone": {"timezone": "Mars/Olympus_Mons", "name": "Renamed"},
        "allowed_link_domains": {"allowed_link_domains": ["https://shop.example.com/x"], "name": "Renamed"},
        "attribution_window_days": {"attribution_window_days": 0, "name": "Renamed"},
        "link_token_param": {"link_token_param": "cb link&x=1", "name": "Renamed"},
        "inactivity_timeout_minutes": {"inactivity_timeout_minutes": 0},
        "plan_code": {"plan_code": "enterprise"},
        "slug": {"slug": "taken-over"},
        "name": {"name": None},
    }
    for field, body in refusals.items():
        refused = await admin.patch("/tenant", body)
        assert (refused.status, refused.error["field"]) == (422, field), (field, refused.body)
    assert (await admin.patch("/tenant", {"plan_code": "pro"})).error["code"] == "unknown_field"
    assert (await admin.get("/tenant")).body == before


async def test_each_tenant_sees_and_changes_only_its_own_settings(
    admin: AdminApi, other_admin: AdminApi
) -> None:
    assert (await other_admin.patch("/tenant", {"name": "Other Renamed"})).status == 200

    assert (await other_admin.get("/tenant")).body["slug"] == "other-shop"
    mine = await admin.get("/tenant")
    assert (mine.body["slug"], mine.body["name"]) != ("other-shop", "Other Renamed")

"""Whatever reaches a webhook route, the answer is 2xx or a JSON 4xx, and a refusal stores nothing.

Hypothesis throws arbitrary bytes, arbitrary JSON and the platforms' own payloads with one part replaced by
arbitrary JSON at each route, signed with the channel's app secret, unsigned, or signed wrongly, and
arbitrary query strings at the handshake.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from yarl import URL

from adapters.meta import SIGNATURE_HEADER, sign
from storage.models import InboundEvent
from tests.support.platforms import APP_SECRET, PAYLOADS, VERIFY_TOKEN, World

PLATFORMS = ("messenger", "whatsapp", "groupme")
# Every example shares the test's running app and database, so a function-scoped fixture is what we want.
PROPERTIES = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FEWER = settings(PROPERTIES, max_examples=30)

# Text as JSON can carry it: any code point, NUL and lone surrogates included.
ODD_TEXT = st.text(st.sampled_from("\x00\ud800\udfff") | st.characters(exclude_categories=()), max_size=40)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | ODD_TEXT
    | st.sampled_from(["1000000001", "3000000001", "2000", "page", "whatsapp_business_account"])
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(ODD_TEXT, children, max_size=4),
    max_leaves=25,
)
# What the client can put in a header: visible Latin-1, so non-ASCII bytes reach the server too.
HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"))


def _fixtures(platform: str) -> list[Any]:
    return [
        json.loads(path.read_bytes())
        for path in sorted((PAYLOADS / platform).glob("*.json"))
        if not path.name.startswith("malformed")
    ]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value: the value itself, and every member and item, however deep."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = json.loads(json.dumps(value))
    holder = copy
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = new
    return copy


@st.composite
def mutated_payload(draw: st.DrawFn, platform: str) -> Any:
    """One of the platform's real payloads with one part (a leaf or a whole subtree) replaced."""
    original = draw(st.sampled_from(_fixtures(platform)))
    path = draw(st.sampled_from(_paths(original)))
    return _replaced(original, path, draw(JSON_VALUES))


@st.composite
def odd_strings_payload(draw: st.DrawFn, platform: str) -> Any:
    """One of the platform's real payloads with odd text added to, or put in place of, a few strings."""
    value = draw(st.sampled_from(_fixtures(platform)))
    strings = [path for path in _paths(value) if isinstance(_at(value, path), str)]
    for path in draw(st.lists(st.sampled_from(strings), min_size=1, max_size=3, unique=True)):
        odd = draw(ODD_TEXT)
        value = _replaced(value, path, draw(st.sampled_from([_at(value, path) + odd, odd])))
    return value


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


@st.composite
def bodies(draw: st.DrawFn, platform: str) -> bytes:
    shape = draw(st.sampled_from(["bytes", "json", "mutated", "mutated", "odd strings", "odd strings"]))
    if shape == "bytes":
        return draw(st.binary(max_size=300))
    if shape == "json":
        value = draw(JSON_VALUES)
    elif shape == "mutated":
        value = draw(mutated_payload(platform))
    else:
        value = draw(odd_strings_payload(platform))
    if draw(st.sampled_from(["ascii", "ascii", "ascii", "raw"])) == "ascii":
        return json.dumps(value).encode()
    # Without ensure_ascii a lone surrogate becomes bytes no UTF-8 decoder accepts.
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


async def stored_events(world: World) -> int:
    async with world.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(InboundEvent)) or 0)


async def check_answer(response: Any) -> Any:
    assert response.status < 500, await response.text()
    assert 200 <= response.status < 300 or response.status >= 400
    assert response.content_type == "application/json"
    answer = await response.json()
    if response.status >= 400:
        assert isinstance(answer["error"], dict)
        assert answer["error"]["message"]
    return answer


@pytest.mark.parametrize("platform", PLATFORMS)
@PROPERTIES
@given(data=st.data())
async def test_any_body_gets_a_2xx_or_a_json_4xx_and_a_refusal_stores_nothing(
    world: World, platform: str, data: st.DataObject
) -> None:
    body = data.draw(bodies(platform), label="body")
    signing = data.draw(st.sampled_from(["signed", "signed", "unsigned", "wrong"]), label="signing")
    headers = {"Content-Type": "application/json"}
    if signing == "signed":
        headers[SIGNATURE_HEADER] = sign(body, APP_SECRET)
    elif signing == "wrong":
        headers[SIGNATURE_HEADER] = data.draw(HEADER_TEXT, label="signature")
    before = await stored_events(world)
    response = await world.client.post(
        f"/webhooks/{platform}/{world.keys[platform]}", data=body, headers=headers
    )
    await check_answer(response)
    if response.status >= 400:
        assert await stored_events(world) == before


@pytest.mark.parametrize("platform", PLATFORMS)
@FEWER
@given(data=st.data())
async def test_any_channel_key_in_the_path_is_a_json_404_or_the_channel(
    world: World, platform: str, data: st.DataObject
) -> None:
    key = data.draw(ODD_TEXT, label="key")
    body = data.draw(bodies(platform), label="body")
    before = await stored_events(world)
    path = f"/webhooks/{platform}/{encode(key)}"
    response = await world.client.post(
        URL(path, encoded=True), data=body, headers={SIGNATURE_HEADER: sign(body, APP_SECRET)}
    )
    await check_answer(response)
    if response.status >= 400:
        assert await stored_events(world) == before


@pytest.mark.parametrize("platform", PLATFORMS)
@FEWER
@given(
    mode=st.none() | st.just("subscribe") | ODD_TEXT,
    token=st.none() | st.just(VERIFY_TOKEN) | ODD_TEXT,
    challenge=st.none() | ODD_TEXT,
    extra=st.lists(st.tuples(ODD_TEXT, ODD_TEXT), max_size=3),
    raw=st.binary(max_size=60),
)
async def test_any_handshake_query_gets_the_challenge_or_a_json_4xx(
    world: World,
    platform: str,
    mode: str | None,
    token: str | None,
    challenge: str | None,
    extra: list[tuple[str, str]],
    raw: bytes,
) -> None:
    hub = [("hub.mode", mode), ("hub.verify_token", token), ("hub.challenge", challenge)]
    pairs = [(name, value) for name, value in hub if value is not None] + extra
    encoded = "&".join(f"{encode(name)}={encode(value)}" for name, value in pairs)
    for query_string in (encoded, quote(raw, safe="=&")):
        url = URL(f"/webhooks/{platform}/{world.keys[platform]}?{query_string}", encoded=True)
        response = await world.client.get(url)
        assert response.status < 500, await response.text()
        if response.status == 200:
            assert response.content_type == "text/plain"
            assert platform != "groupme"
        else:
            await check_answer(response)


def encode(text: str) -> str:
    """Percent-encoded UTF-8, lone surrogates and all, as a client that does not check would send it."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")

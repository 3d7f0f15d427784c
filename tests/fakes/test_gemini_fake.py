"""The fake Gemini API answers the real google-genai client as Gemini does, refusals included."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import httpx
import pytest
from google import genai
from google.genai import errors, types

from tests.fakes.gemini import FakeGemini, last_user_text

MODEL = "gemini-3-flash-preview"
WEATHER_SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


@pytest.fixture
async def fake() -> AsyncIterator[FakeGemini]:
    async with FakeGemini(api_key="fake-key") as server:
        yield server


def make_client(fake: FakeGemini, *, api_key: str = "fake-key", api_version: str = "v1beta") -> genai.Client:
    return genai.Client(
        api_key=api_key,
        http_options=types.HttpOptions(
            base_url=fake.base_url,
            api_version=api_version,
            retry_options=types.HttpRetryOptions(attempts=1),
        ),
    )


@pytest.fixture
async def client(fake: FakeGemini) -> AsyncIterator[genai.Client]:
    sdk = make_client(fake)
    yield sdk
    await sdk.aio.aclose()


@pytest.fixture
async def http(fake: FakeGemini) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=fake.base_url, headers={"x-goog-api-key": "fake-key"}) as raw:
        yield raw


def weather_config() -> types.GenerateContentConfig:
    tool = types.Tool(
        function_declarations=[
            types.FunctionDeclaration(
                name="get_weather", description="Weather for a city", parameters_json_schema=WEATHER_SCHEMA
            ),
            types.FunctionDeclaration(
                name="get_time", description="Local time in a city", parameters_json_schema=WEATHER_SCHEMA
            ),
        ]
    )
    return types.GenerateContentConfig(
        system_instruction="You are a terse bot.",
        tools=[tool],
        automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
    )


def user_says(text: str) -> types.Content:
    return types.Content(role="user", parts=[types.Part.from_text(text=text)])


def answers(*calls: tuple[str, str | None], result: str = "sunny, 22C") -> types.Content:
    return types.Content(
        role="user",
        parts=[
            types.Part(
                function_response=types.FunctionResponse(id=call_id, name=name, response={"result": result})
            )
            for name, call_id in calls
        ],
    )


def model_turn(response: types.GenerateContentResponse) -> types.Content:
    """The model's turn exactly as it came, to append to the history unchanged."""
    assert response.candidates is not None
    content = response.candidates[0].content
    assert content is not None
    return content


# -- text replies ----------------------------------------------------------------------------------


async def test_a_text_reply_arrives_with_its_usage(fake: FakeGemini, client: genai.Client) -> None:
    fake.reply_text("We open at 9.", prompt_tokens=31, completion_tokens=5)
    response = await client.aio.models.generate_content(
        model=MODEL,
        contents="When do you open?",
        config=types.GenerateContentConfig(system_instruction="Be brief."),
    )
    assert response.text == "We open at 9."
    assert response.candidates is not None
    assert response.candidates[0].finish_reason == types.FinishReason.STOP
    assert response.usage_metadata is not None
    usage = response.usage_metadata
    assert (usage.prompt_token_count, usage.candidates_token_count, usage.total_token_count) == (31, 5, 36)
    assert response.model_version == MODEL
    assert response.response_id


async def test_requests_are_recorded_with_path_key_and_body(fake: FakeGemini, client: genai.Client) -> None:
    fake.reply_text("Hi!")
    await client.aio.models.generate_content(model=MODEL, contents="Hello")
    assert fake.count == 1
    recorded = fake.requests[0]
    assert recorded.path == f"/v1beta/models/{MODEL}:generateContent"
    assert (recorded.version, recorded.model, recorded.method) == ("v1beta", MODEL, "generateContent")
    assert recorded.headers["X-Goog-Api-Key"] == "fake-key"
    assert fake.last_body()["contents"] == [{"role": "user", "parts": [{"text": "Hello"}]}]
    assert fake.pending == 0


async def test_the_v1_api_version_is_served_too(fake: FakeGemini) -> None:
    fake.reply_text("From v1.")
    sdk = make_client(fake, api_version="v1")
    try:
        response = await sdk.aio.models.generate_content(model=MODEL, contents="Hello")
    finally:
        await sdk.aio.aclose()
    assert response.text == "From v1."
    assert fake.requests[0].path == f"/v1/models/{MODEL}:generateContent"


async def test_an_unknown_api_version_is_404(fake: FakeGemini, http: httpx.AsyncClient) -> None:
    fake.reply_text("unused")
    response = await http.post(f"/v2/models/{MODEL}:generateContent", json={"contents": []})
    assert response.status_code == 404
    assert response.json()["error"]["status"] == "NOT_FOUND"
    assert fake.pending == 1


async def test_an_empty_script_is_a_500(client: genai.Client) -> None:
    with pytest.raises(errors.ServerError) as caught:
        await client.aio.models.generate_content(model=MODEL, contents="Hello")
    assert caught.value.code == 500
    assert caught.value.message == "no scripted response"


async def test_delay_next_holds_the_answer_back(fake: FakeGemini, client: genai.Client) -> None:
    fake.delay_next(60)
    fake.reply_text("Sorry for the wait.")

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(client.aio.models.generate_content(model=MODEL, contents="Hello"), 0.5)

    assert fake.count == 1  # the request arrived at once
    assert fake.pending == 1  # but its answer was still held back when the caller gave up


async def test_a_standing_reply_answers_every_request_the_script_leaves(
    fake: FakeGemini, client: genai.Client
) -> None:
    fake.reply_text("Scripted first.")
    fake.reply_always(lambda body: f"You asked: {last_user_text(body)}")

    answers = [
        (await client.aio.models.generate_content(model=MODEL, contents=question)).text
        for question in ("Hello", "Are you open?", "Are you open?")
    ]

    assert answers == ["Scripted first.", "You asked: Are you open?", "You asked: Are you open?"]
    assert fake.pending == 0


async def test_latency_holds_every_answer_back(fake: FakeGemini, client: genai.Client) -> None:
    fake.reply_always("Eventually.")
    fake.latency = 60

    for _ in range(2):
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(client.aio.models.generate_content(model=MODEL, contents="Hello"), 0.3)

    assert fake.count == 2
    fake.latency = 0
    assert (await client.aio.models.generate_content(model=MODEL, contents="Hello")).text == "Eventually."


# -- the API key -----------------------------------------------------------------------------------


async def test_a_wrong_api_key_is_400_invalid_argument(fake: FakeGemini) -> None:
    fake.reply_text("unused")
    sdk = make_client(fake, api_key="wrong-key")
    try:
        with pytest.raises(errors.ClientError) as caught:
            await sdk.aio.models.generate_content(model=MODEL, contents="Hello")
    finally:
        await sdk.aio.aclose()
    assert caught.value.code == 400
    assert caught.value.status == "INVALID_ARGUMENT"
    assert caught.value.message == "API key not valid. Please pass a valid API key."
    assert fake.pending == 1


async def test_a_missing_api_key_is_403(fake: FakeGemini) -> None:
    fake.reply_text("unused")
    async with httpx.AsyncClient(base_url=fake.base_url) as raw:
        response = await raw.post(f"/v1beta/models/{MODEL}:generateContent", json={"contents": []})
    assert response.status_code == 403
    assert response.json()["error"]["status"] == "PERMISSION_DENIED"


# -- function calling ------------------------------------------------------------------------------


async def test_a_function_call_round_trip_keeps_the_thought_signature(
    fake: FakeGemini, client: genai.Client
) -> None:
    fake.reply_function_call("get_weather", {"city": "Boston"}, call_id="call_1")
    fake.reply_text("It is sunny in Boston.")
    config = weather_config()
    history = [user_says("Weather in Boston?")]

    first = await client.aio.models.generate_content(model=MODEL, contents=history, config=config)
    assert first.text is None
    assert first.function_calls is not None
    call = first.function_calls[0]
    assert (call.name, call.args, call.id) == ("get_weather", {"city": "Boston"}, "call_1")
    turn = model_turn(first)
    assert turn.parts is not None
    assert turn.parts[0].thought_signature == b"sig-1"

    history += [turn, answers(("get_weather", call.id))]
    second = await client.aio.models.generate_content(model=MODEL, contents=history, config=config)
    assert second.text == "It is sunny in Boston."
    sent_back = fake.last_body()["contents"][1]["parts"][0]
    assert base64.urlsafe_b64decode(sent_back["thoughtSignature"]) == b"sig-1"
    declarations = fake.requests[0].body["tools"][0]["functionDeclarations"]
    assert declarations[0]["parameters_json_schema"] == WEATHER_SCHEMA


async def test_a_stripped_thought_signature_is_refused(fake: FakeGemini, client: genai.Client) -> None:
    fake.reply_function_call("get_weather", {"city": "Boston"})
    fake.reply_text("unused")
    config = weather_config()
    first = await client.aio.models.generate_content(
        model=MODEL, contents=[user_says("Weather in Boston?")], config=config
    )
    assert first.function_calls is not None
    call = first.function_calls[0]
    stripped = types.Content(role="model", parts=[types.Part(function_call=call)])
    history = [user_says("Weather in Boston?"), stripped, answers(("get_weather", None))]

    with pytest.raises(errors.ClientError) as caught:
        await client.aio.models.generate_content(model=MODEL, contents=history, config=config)
    assert caught.value.code == 400
    assert caught.value.status == "INVALID_ARGUMENT"
    assert caught.value.message is not None
    assert caught.value.message.startswith(
        "Function call is missing a thought_signature in functionCall parts"
    )
    assert fake.pending == 1


async def test_a_changed_thought_signature_is_refused(fake: FakeGemini, client: genai.Client) -> None:
    fake.reply_function_call("get_weather", {"city": "Boston"})
    config = weather_config()
    first = await client.aio.models.generate_content(
        model=MODEL, contents=[user_says("Weather in Boston?")], config=config
    )
    assert first.function_calls is not None
    forged = types.Content(
        role="model", parts=[types.Part(function_call=first.function_calls[0], thought_signature=b"forged")]
    )
    history = [user_says("Weather in Boston?"), forged, answers(("get_weather", None))]
    with pytest.raises(errors.ClientError) as caught:
        await client.aio.models.generate_content(model=MODEL, contents=history, config=config)
    assert caught.value.message == "Corrupted thought signature."


async def test_a_function_call_left_unanswered_is_refused(fake: FakeGemini, client: genai.Client) -> None:
    fake.reply_function_call("get_weather", {"city": "Boston"})
    fake.reply_text("unused")
    config = weather_config()
    history = [user_says("Weather in Boston?")]
    first = await client.aio.models.generate_content(model=MODEL, contents=history, config=config)
    history += [model_turn(first), user_says("Never mind, what time is it?")]
    with pytest.raises(errors.ClientError) as caught:
        await client.aio.models.generate_content(model=MODEL, contents=history, config=config)
    assert caught.value.code == 400
    assert caught.value.message is not None
    assert "number of function response parts" in caught.value.message


async def test_parallel_calls_need_one_response_each_with_matching_names_and_ids(
    fake: FakeGemini, client: genai.Client
) -> None:
    calls = fake.reply_function_calls(
        [("get_weather", {"city": "Oslo"}, "w1"), ("get_time", {"city": "Oslo"}, "t1")]
    )
    assert [call.thought_signature for call in calls] == [b"sig-1", None]
    fake.reply_text("Rainy, and it is noon.")
    config = weather_config()
    history = [user_says("Weather and time in Oslo?")]
    first = await client.aio.models.generate_content(model=MODEL, contents=history, config=config)
    assert first.function_calls is not None
    assert [call.name for call in first.function_calls] == ["get_weather", "get_time"]
    history.append(model_turn(first))

    for wrong in (answers(("get_weather", "w1")), answers(("get_weather", "w1"), ("get_time", "x9"))):
        with pytest.raises(errors.ClientError):
            await client.aio.models.generate_content(model=MODEL, contents=[*history, wrong], config=config)

    history.append(answers(("get_time", "t1"), ("get_weather", "w1")))
    final = await client.aio.models.generate_content(model=MODEL, contents=history, config=config)
    assert final.text == "Rainy, and it is noon."


async def test_a_scripted_call_to_an_undeclared_function_is_a_500(
    fake: FakeGemini, client: genai.Client
) -> None:
    fake.reply_function_call("book_table", {"people": 2})
    with pytest.raises(errors.ServerError) as caught:
        await client.aio.models.generate_content(
            model=MODEL, contents="Book a table", config=weather_config()
        )
    assert caught.value.message is not None
    assert "book_table" in caught.value.message


# -- failures, blocks and finish reasons -----------------------------------------------------------


async def test_a_429_carries_the_retry_delay(fake: FakeGemini, client: genai.Client) -> None:
    fake.fail(status=429, retry_delay="7s")
    with pytest.raises(errors.ClientError) as caught:
        await client.aio.models.generate_content(model=MODEL, contents="Hello")
    assert caught.value.code == 429
    assert caught.value.status == "RESOURCE_EXHAUSTED"
    assert caught.value.details["error"]["details"] == [
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7s"}
    ]


async def test_a_503_is_a_server_error(fake: FakeGemini, client: genai.Client) -> None:
    fake.fail(status=503)
    fake.reply_text("Back again.")
    with pytest.raises(errors.ServerError) as caught:
        await client.aio.models.generate_content(model=MODEL, contents="Hello")
    assert (caught.value.code, caught.value.status) == (503, "UNAVAILABLE")
    assert caught.value.message == "The model is overloaded."
    retried = await client.aio.models.generate_content(model=MODEL, contents="Hello")
    assert retried.text == "Back again."


async def test_a_400_with_a_chosen_message(fake: FakeGemini, client: genai.Client) -> None:
    fake.fail(status=400, message="User location is not supported for the API use.")
    with pytest.raises(errors.ClientError) as caught:
        await client.aio.models.generate_content(model=MODEL, contents="Hello")
    assert (caught.value.code, caught.value.status) == (400, "INVALID_ARGUMENT")
    assert caught.value.message == "User location is not supported for the API use."


async def test_a_dropped_connection_is_server_disconnected_and_the_next_request_is_served(
    fake: FakeGemini, client: genai.Client
) -> None:
    fake.drop_connection()
    fake.reply_text("Still here.")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await client.aio.models.generate_content(model=MODEL, contents="Hello")
    assert fake.count == 1
    retried = await client.aio.models.generate_content(model=MODEL, contents="Hello")
    assert retried.text == "Still here."


async def test_a_hang_lasts_until_the_client_gives_up(fake: FakeGemini) -> None:
    fake.hang()
    fake.reply_text("Answered at last.")
    impatient = genai.Client(
        api_key="fake-key",
        http_options=types.HttpOptions(
            base_url=fake.base_url,
            api_version="v1beta",
            timeout=300,
            retry_options=types.HttpRetryOptions(attempts=1),
        ),
    )
    try:
        with pytest.raises(TimeoutError):
            await impatient.aio.models.generate_content(model=MODEL, contents="Hello")
        assert fake.count == 1
        retried = await impatient.aio.models.generate_content(model=MODEL, contents="Hello")
    finally:
        await impatient.aio.aclose()
    assert retried.text == "Answered at last."


async def test_hang_first_holds_the_first_request_of_a_matching_text_until_its_client_leaves(
    fake: FakeGemini, client: genai.Client
) -> None:
    fake.reply_always(lambda body: f"You asked: {last_user_text(body)}")
    fake.hang_first(lambda text: "slow" in text)

    stuck = asyncio.create_task(client.aio.models.generate_content(model=MODEL, contents="a slow one"))
    for _ in range(200):
        if fake.hanging:
            break
        await asyncio.sleep(0.02)
    assert fake.hanging == 1
    quick = await client.aio.models.generate_content(model=MODEL, contents="a quick one")
    stuck.cancel()  # the client gives up, as a stopping server does
    with pytest.raises(asyncio.CancelledError):
        await stuck
    again = await client.aio.models.generate_content(model=MODEL, contents="a slow one")

    assert (quick.text, again.text) == ("You asked: a quick one", "You asked: a slow one")
    for _ in range(200):
        if not fake.hanging:
            break
        await asyncio.sleep(0.02)
    assert fake.hanging == 0


async def test_a_blocked_prompt_has_no_candidates(fake: FakeGemini, client: genai.Client) -> None:
    fake.block_prompt()
    response = await client.aio.models.generate_content(model=MODEL, contents="Something dangerous")
    assert response.candidates is None
    assert response.text is None
    assert response.prompt_feedback is not None
    assert response.prompt_feedback.block_reason == types.BlockedReason.SAFETY
    assert response.prompt_feedback.safety_ratings
    assert response.usage_metadata is not None
    assert response.usage_metadata.prompt_token_count == 20


async def test_a_safety_finish_has_ratings_and_no_content(fake: FakeGemini, client: genai.Client) -> None:
    fake.safety_finish(category="HARM_CATEGORY_HARASSMENT")
    response = await client.aio.models.generate_content(model=MODEL, contents="Insult me")
    assert response.candidates is not None
    candidate = response.candidates[0]
    assert candidate.finish_reason == types.FinishReason.SAFETY
    assert candidate.content is None
    assert response.text is None
    assert candidate.safety_ratings is not None
    blocked = [rating.category for rating in candidate.safety_ratings if rating.blocked]
    assert blocked == [types.HarmCategory.HARM_CATEGORY_HARASSMENT]


async def test_a_malformed_function_call_finish_has_no_content(
    fake: FakeGemini, client: genai.Client
) -> None:
    fake.finish("MALFORMED_FUNCTION_CALL", message="Malformed function call: get_weather(city=)")
    response = await client.aio.models.generate_content(
        model=MODEL, contents="Weather?", config=weather_config()
    )
    assert response.candidates is not None
    candidate = response.candidates[0]
    assert candidate.finish_reason == types.FinishReason.MALFORMED_FUNCTION_CALL
    assert candidate.content is None
    assert response.function_calls is None


async def test_a_finish_message_is_sent_though_google_genai_drops_it(
    fake: FakeGemini, http: httpx.AsyncClient
) -> None:
    fake.finish("MALFORMED_FUNCTION_CALL", message="Malformed function call: get_weather(city=)")
    response = await http.post(
        f"/v1beta/models/{MODEL}:generateContent", json={"contents": [{"parts": [{"text": "Weather?"}]}]}
    )
    candidate = response.json()["candidates"][0]
    assert candidate == {
        "index": 0,
        "finishReason": "MALFORMED_FUNCTION_CALL",
        "finishMessage": "Malformed function call: get_weather(city=)",
    }


async def test_a_max_tokens_finish_keeps_the_partial_text(fake: FakeGemini, client: genai.Client) -> None:
    fake.finish("MAX_TOKENS", text="Our opening hours are", completion_tokens=4)
    response = await client.aio.models.generate_content(model=MODEL, contents="Opening hours?")
    assert response.candidates is not None
    assert response.candidates[0].finish_reason == types.FinishReason.MAX_TOKENS
    assert response.text == "Our opening hours are"
    assert response.usage_metadata is not None
    assert response.usage_metadata.candidates_token_count == 4


# -- streaming -------------------------------------------------------------------------------------


async def test_a_streamed_reply_comes_in_two_chunks_with_cumulative_usage(
    fake: FakeGemini, client: genai.Client
) -> None:
    fake.reply_text("Hello there!", prompt_tokens=10, completion_tokens=6)
    chunks = [
        chunk async for chunk in await client.aio.models.generate_content_stream(model=MODEL, contents="Hi")
    ]
    assert "".join(chunk.text or "" for chunk in chunks) == "Hello there!"
    assert len(chunks) == 2
    assert [chunk.candidates[0].finish_reason for chunk in chunks if chunk.candidates] == [
        None,
        types.FinishReason.STOP,
    ]
    assert chunks[0].usage_metadata is not None
    assert chunks[-1].usage_metadata is not None
    assert chunks[0].usage_metadata.candidates_token_count == 3
    last = chunks[-1].usage_metadata
    assert (last.prompt_token_count, last.candidates_token_count, last.total_token_count) == (10, 6, 16)
    assert fake.requests[0].method == "streamGenerateContent"
    assert fake.requests[0].query["alt"] == "sse"


async def test_a_streamed_function_call_carries_its_signature(fake: FakeGemini, client: genai.Client) -> None:
    fake.reply_function_call("get_weather", {"city": "Lima"}, thought_signature=b"opaque")
    stream = await client.aio.models.generate_content_stream(
        model=MODEL, contents="Weather in Lima?", config=weather_config()
    )
    parts = [
        part
        async for chunk in stream
        if chunk.candidates and chunk.candidates[0].content
        for part in chunk.candidates[0].content.parts or []
    ]
    assert [(part.function_call.name, part.thought_signature) for part in parts if part.function_call] == [
        ("get_weather", b"opaque")
    ]


async def test_a_streamed_failure_raises_before_any_chunk(fake: FakeGemini, client: genai.Client) -> None:
    fake.fail(status=503)
    with pytest.raises(errors.ServerError):
        async for _ in await client.aio.models.generate_content_stream(model=MODEL, contents="Hi"):
            pass


# -- the request body as the real API checks it ----------------------------------------------------


CAMEL_BODY: dict[str, Any] = {
    "contents": [
        {"role": "user", "parts": [{"text": "Weather?"}]},
        {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Rome"}}}]},
        {"role": "user", "parts": [{"functionResponse": {"name": "get_weather", "response": {"t": 30}}}]},
    ],
    "systemInstruction": {"parts": [{"text": "Be brief."}]},
    "tools": [{"functionDeclarations": [{"name": "get_weather", "parametersJsonSchema": WEATHER_SCHEMA}]}],
    "generationConfig": {"maxOutputTokens": 64, "thinkingConfig": {"thinkingBudget": 0}},
    "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_ONLY_HIGH"}],
}
SNAKE_BODY: dict[str, Any] = {
    "contents": [
        {"role": "user", "parts": [{"text": "Weather?"}]},
        {"role": "model", "parts": [{"function_call": {"name": "get_weather", "args": {"city": "Rome"}}}]},
        {"role": "user", "parts": [{"function_response": {"name": "get_weather", "response": {"t": 30}}}]},
    ],
    "system_instruction": {"parts": [{"text": "Be brief."}]},
    "tools": [{"function_declarations": [{"name": "get_weather", "parameters_json_schema": WEATHER_SCHEMA}]}],
    "generation_config": {"max_output_tokens": 64, "thinking_config": {"thinking_budget": 0}},
    "safety_settings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_ONLY_HIGH"}],
}


@pytest.mark.parametrize("body", [CAMEL_BODY, SNAKE_BODY], ids=["camelCase", "snake_case"])
async def test_camel_and_snake_case_bodies_are_both_accepted(
    fake: FakeGemini, http: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    fake.reply_function_call("get_weather", {"city": "Rome"}, thought_signature=None)
    fake.reply_text("30 degrees in Rome.")
    first_turn = {key: value for key, value in body.items() if key != "contents"}
    first_turn["contents"] = body["contents"][:1]
    called = await http.post(f"/v1beta/models/{MODEL}:generateContent", json=first_turn)
    assert called.status_code == 200, called.text
    assert called.json()["candidates"][0]["content"]["parts"] == [
        {"functionCall": {"name": "get_weather", "args": {"city": "Rome"}}}
    ]
    response = await http.post(f"/v1beta/models/{MODEL}:generateContent", json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["candidates"][0]["content"] == {"role": "model", "parts": [{"text": "30 degrees in Rome."}]}
    assert answer["usageMetadata"] == {
        "promptTokenCount": 20,
        "candidatesTokenCount": 8,
        "totalTokenCount": 28,
    }
    assert answer["modelVersion"] == MODEL
    assert answer["responseId"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"contents": []}, "contents is not specified"),
        ({"contents": [{"role": "user", "parts": []}]}, "must not be empty"),
        ({"contents": [{"role": "tool", "parts": [{"text": "hi"}]}]}, "valid role"),
        ({"contents": [{"role": "user", "parts": [{"text": "hi", "inlineData": {}}]}]}, "Oneof field"),
        ({"contents": [{"role": "user", "parts": [{"thought": True}]}]}, "required oneof field"),
        ({"contents": [{"role": "user", "parts": [{"txt": "hi"}]}]}, 'Unknown name "txt"'),
        (
            {"contents": [{"role": "user", "parts": [{"text": "hi"}]}], "prompt": "hi"},
            'Unknown name "prompt"',
        ),
        (
            {"contents": [{"role": "user", "parts": [{"functionResponse": {"name": "f", "response": {}}}]}]},
            "function response turn comes immediately after a function call turn",
        ),
        (
            {
                "contents": [
                    {"role": "user", "parts": [{"text": "Weather?"}]},
                    {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {}}}]},
                ]
            },
            "number of function response parts",
        ),
        (
            {
                "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
                "tools": [{"functionDeclarations": [{"name": "get weather"}]}],
            },
            "Invalid function name",
        ),
        (
            {
                "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
                "tools": [
                    {"functionDeclarations": [{"name": "f", "parameters": {}, "parametersJsonSchema": {}}]}
                ],
            },
            "mutually exclusive",
        ),
    ],
    ids=[
        "no-contents",
        "no-parts",
        "tool-role",
        "two-data-fields",
        "no-data-field",
        "unknown-part-field",
        "unknown-top-level-field",
        "orphan-function-response",
        "trailing-function-call",
        "bad-function-name",
        "both-parameter-schemas",
    ],
)
async def test_malformed_bodies_are_400_and_use_no_scripted_step(
    fake: FakeGemini, http: httpx.AsyncClient, body: dict[str, Any], expected: str
) -> None:
    fake.reply_text("unused")
    response = await http.post(f"/v1beta/models/{MODEL}:generateContent", json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT")
    assert expected in error["message"]
    assert fake.pending == 1


async def test_stream_without_sse_is_a_json_array(fake: FakeGemini, http: httpx.AsyncClient) -> None:
    fake.reply_text("Two halves")
    response = await http.post(
        f"/v1beta/models/{MODEL}:streamGenerateContent", json={"contents": [{"parts": [{"text": "hi"}]}]}
    )
    assert response.status_code == 200
    chunks = response.json()
    assert [chunk["candidates"][0]["content"]["parts"][0]["text"] for chunk in chunks] == ["Two ", "halves"]
    assert "finishReason" not in chunks[0]["candidates"][0]
    assert chunks[1]["candidates"][0]["finishReason"] == "STOP"


async def test_sse_events_use_crlf_framing(fake: FakeGemini, http: httpx.AsyncClient) -> None:
    fake.reply_text("Hi you")
    response = await http.post(
        f"/v1beta/models/{MODEL}:streamGenerateContent?alt=sse",
        json={"contents": [{"parts": [{"text": "hi"}]}]},
    )
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [event for event in response.text.split("\r\n\r\n") if event]
    assert len(events) == 2
    assert all(event.startswith("data: {") for event in events)

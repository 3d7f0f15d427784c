"""Check an admin API answer against the OpenAPI document the server publishes, as schemathesis would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

from tests.support.admin_api import AdminApi, Reply


@dataclass(frozen=True)
class Documented:
    document: dict[str, Any]

    @classmethod
    async def of(cls, admin: AdminApi) -> Documented:
        reply = await admin.get("/openapi.json")
        assert reply.status == 200
        return cls(reply.body)

    def check(self, path: str, reply: Reply, method: str = "get") -> Any:
        """Raise unless ``reply`` is what the document says ``method path`` answers; returns the body.

        ``path`` is the documented one, relative to /api/v1: "/conversations/{conversation_id}".
        """
        return self.check_body(path, reply.status, reply.body, method)

    def check_body(self, path: str, status: int, body: Any, method: str = "get") -> Any:
        responses = self.document["paths"]["/api/v1" + path][method]["responses"]
        response = responses.get(str(status), responses["default"])
        schema = {
            **response["content"]["application/json"]["schema"],
            "components": self.document["components"],
        }
        Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(body)
        return body

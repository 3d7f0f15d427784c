"""Why an agent's request was refused; the agent API turns each class into one HTTP status.

AgentRequestError
 ├── NotFound      404  no such conversation, agent, template (or another tenant's)
 ├── NotAllowed    403  the agent's role may not do this
 ├── Conflict      409  the conversation's state forbids it (claimed by someone else, resolved,
 │                      window closed, agent at capacity)
 └── BadRequest    400  the request itself is wrong (empty text, bad cursor)
"""

from __future__ import annotations


class AgentRequestError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(AgentRequestError):
    pass


class NotAllowed(AgentRequestError):
    pass


class Conflict(AgentRequestError):
    pass


class BadRequest(AgentRequestError):
    pass

"""The database engine: a failed statement's error shows the SQL but never the values it carried."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

WORDS = "Hi, it's Odalys from 4 Wren Street, my order never came"


async def test_a_failed_statement_does_not_quote_its_values(db: AsyncEngine) -> None:
    with pytest.raises(DBAPIError) as failed:
        async with db.begin() as conn:
            await conn.execute(text("INSERT INTO no_such_table (text) VALUES (:text)"), {"text": WORDS})
    assert "INSERT INTO no_such_table" in str(failed.value)
    assert "Wren" not in str(failed.value)

"""Group commit: writers that arrive together share one commit, and each one's failure stays its own."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.db import transaction
from storage.group_commit import GroupCommit
from storage.models import Tenant


def add_tenant(slug: str):  # type: ignore[no-untyped-def]
    async def work(session: AsyncSession) -> str:
        session.add(Tenant(name=slug.title(), slug=slug))
        await session.flush()
        return slug

    return work


async def slugs(sessions: async_sessionmaker[AsyncSession]) -> set[str]:
    async with transaction(sessions) as session:
        return set((await session.scalars(select(Tenant.slug))).all())


def count_commits(db: AsyncEngine) -> list[int]:
    commits: list[int] = []
    event.listen(db.sync_engine, "commit", lambda _conn: commits.append(1))
    return commits


async def test_concurrent_writers_share_commits_and_all_get_their_result(
    db: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    commits = count_commits(db)
    group = GroupCommit(sessions)
    names = [f"shop-{n}" for n in range(40)]

    results = await asyncio.gather(*(group.run(add_tenant(name)) for name in names))

    assert results == names
    assert set(names) <= await slugs(sessions)
    # Forty writers that arrive together need far fewer than forty commits.
    assert len(commits) < 20


async def test_a_failing_writer_is_rolled_back_alone_and_gets_its_error(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    group = GroupCommit(sessions)
    async with transaction(sessions) as session:
        session.add(Tenant(name="Taken", slug="taken"))

    outcomes = await asyncio.gather(
        group.run(add_tenant("first")),
        group.run(add_tenant("taken")),  # the slug is unique: this one fails
        group.run(add_tenant("third")),
        return_exceptions=True,
    )

    assert outcomes[0] == "first"
    assert outcomes[2] == "third"
    assert isinstance(outcomes[1], IntegrityError)
    assert {"first", "third", "taken"} <= await slugs(sessions)
    async with transaction(sessions) as session:
        assert await session.scalar(select(func.count()).where(Tenant.slug == "taken")) == 1


async def test_an_error_raised_by_the_writer_itself_reaches_only_that_writer(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    group = GroupCommit(sessions)

    async def half_written_then_fails(session: AsyncSession) -> None:
        session.add(Tenant(name="Half", slug="half"))
        await session.flush()
        raise LookupError("lease lost")

    outcomes = await asyncio.gather(
        group.run(add_tenant("kept")), group.run(half_written_then_fails), return_exceptions=True
    )

    assert outcomes[0] == "kept"
    assert isinstance(outcomes[1], LookupError)
    found = await slugs(sessions)
    assert "kept" in found
    assert "half" not in found


async def test_urgent_writers_go_first_in_the_next_batch(sessions: async_sessionmaker[AsyncSession]) -> None:
    group = GroupCommit(sessions, max_batch=2)
    order: list[str] = []

    def note(name: str):  # type: ignore[no-untyped-def]
        async def work(_session: AsyncSession) -> None:
            order.append(name)

        return work

    release = asyncio.Event()

    async def hold(_session: AsyncSession) -> None:
        await release.wait()

    holding = asyncio.create_task(group.run(hold))
    await asyncio.sleep(0)  # the first batch (just `hold`) is being written
    waiting = [asyncio.create_task(group.run(note(f"turn-{n}"))) for n in range(3)]
    urgent = asyncio.create_task(group.run(note("webhook"), urgent=True))
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(holding, urgent, *waiting)

    assert order[0] == "webhook"
    assert order[1:] == ["turn-0", "turn-1", "turn-2"]


def test_a_batch_holds_at_least_one_writer() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        GroupCommit(None, max_batch=0)  # type: ignore[arg-type]


async def test_a_batch_without_failures_is_written_without_savepoints(
    db: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    statements: list[str] = []
    event.listen(
        db.sync_engine, "before_cursor_execute", lambda _c, _cur, sql, *_args: statements.append(sql.upper())
    )
    commits = count_commits(db)
    group = GroupCommit(sessions)

    await asyncio.gather(*(group.run(add_tenant(f"plain-{n}")) for n in range(10)))

    assert len(commits) < 10  # they did share commits
    assert not [sql for sql in statements if "SAVEPOINT" in sql]


async def test_after_a_failure_the_others_of_the_batch_are_written_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    group = GroupCommit(sessions)

    async def fails(_session: AsyncSession) -> None:
        raise RuntimeError("broken unit")

    outcomes = await asyncio.gather(
        group.run(add_tenant("before")),
        group.run(fails),
        group.run(add_tenant("after")),
        group.run(add_tenant("later")),
        return_exceptions=True,
    )

    assert outcomes[0] == "before"
    assert isinstance(outcomes[1], RuntimeError)
    assert outcomes[2:] == ["after", "later"]
    async with transaction(sessions) as session:
        found = (
            await session.scalars(select(Tenant.slug).where(Tenant.slug.in_(["before", "after", "later"])))
        ).all()
    # Each stored once, though those batched with the failing unit were written twice (once rolled back).
    assert sorted(found) == ["after", "before", "later"]

"""Assembles one running runtime: database, inbox, worker, outbox sender, notifier and dialogue engine."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.base import Adapter
from adapters.http_client import tls_context
from bot.billing.admission import AdmissionCheck
from bot.config import Settings
from bot.engine.router import Router
from bot.engine.types import Engine, IntentPort, LLMProvider
from bot.observability.measured_ports import MeasuredIntents, MeasuredLLM, measured_adapters
from bot.pipeline.accept import Inbox
from bot.pipeline.acknowledge import Acknowledgements
from bot.pipeline.claim_loop import Drained, describe_stop
from bot.pipeline.config_cache import ConfigCache
from bot.pipeline.escalation_sweep import EscalationSweeper
from bot.pipeline.hold_sweep import HoldSweeper
from bot.pipeline.inbox import InboxWorker, WorkerOptions
from bot.pipeline.notifier import Notifier, NotifierOptions
from bot.pipeline.outbox import OutboxSender, SenderOptions
from bot.pipeline.turn import Hook, TurnProcessor, no_hook
from bot.security import CredentialBox, resolve_secret_key
from bot.tenancy.credential_keys import ChannelLabel, describe_channels, find_unreadable_channels
from storage.db import create_engine, create_read_engine, ping, session_factory, transaction
from storage.group_commit import GroupCommit

log = logging.getLogger(__name__)

# Used for the tenants' notification webhooks when the runtime is given no client (the server gives its own).
NOTIFY_HTTP_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class ClosableLLM(LLMProvider, Protocol):
    async def aclose(self) -> None: ...


@dataclass
class Runtime:
    settings: Settings
    db: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    credentials: CredentialBox
    inbox: Inbox
    worker: InboxWorker
    sender: OutboxSender
    acknowledgements: Acknowledgements
    http: httpx.AsyncClient | None = None
    llm: ClosableLLM | None = None
    # Tenant-wide duties, run only by a runtime that serves every channel (not `chatbot chat`).
    notifier: Notifier | None = None
    escalations: EscalationSweeper | None = None
    holds: HoldSweeper | None = None
    # The hot path's read-only loads (SQLite: their own connections); None when they share ``db``.
    read_db: AsyncEngine | None = None
    send_read_db: AsyncEngine | None = None
    # The webhooks' channel lookups (SQLite: a connection of their own, so that an acknowledgement
    # never queues behind the turns' loads or writes); None when they share ``db``.
    lookup_db: AsyncEngine | None = None
    lookups: async_sessionmaker[AsyncSession] | None = None
    _unreadable: tuple[ChannelLabel, ...] | None = field(default=None, init=False, repr=False)
    _credentials_checked: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)
    _stopping: asyncio.Task[list[Drained]] | None = field(default=None, init=False, repr=False)

    def start(self) -> None:
        self.worker.start()
        self.sender.start()
        if self.notifier is not None:
            self.notifier.start()
        if self.escalations is not None:
            self.escalations.start()
        if self.holds is not None:
            self.holds.start()

    @property
    def workers_alive(self) -> bool:
        return (
            self.worker.alive
            and self.sender.alive
            and (self.notifier is None or self.notifier.alive)
            and (self.escalations is None or self.escalations.alive)
            and (self.holds is None or self.holds.alive)
        )

    async def unreadable_credentials(self) -> tuple[ChannelLabel, ...]:
        """Channels whose stored credentials the configured key cannot decrypt.

        Checked once, at start (or at the first readiness probe that finds the database up), and
        cached: the key cannot change while the process runs. A `chatbot secret rotate` that repairs
        them meanwhile shows here after a restart, which the new key needs anyway.
        """
        async with self._credentials_checked:
            if self._unreadable is None:
                async with transaction(self.sessions) as session:
                    self._unreadable = await find_unreadable_channels(session, self.credentials)
                if self._unreadable:
                    log.error(
                        "stored credentials of %d channel(s) cannot be decrypted with the configured key: "
                        "%s; webhooks for them fail until the key is fixed",
                        len(self._unreadable),
                        describe_channels(self._unreadable),
                    )
            return self._unreadable

    async def check_credentials(self) -> None:
        """The start-up check behind ``/readyz``; a database that is down now is checked again later."""
        try:
            await self.unreadable_credentials()
        except Exception as exc:  # noqa: BLE001 - readiness reports the database; the start goes on
            log.warning("could not check the stored credentials at start: %s", type(exc).__name__)

    async def ready(self, deadline_seconds: float = 2.0) -> tuple[bool, str]:
        """Whether the database answers, the workers run and the key opens every channel's credentials."""
        try:
            async with asyncio.timeout(deadline_seconds):
                await ping(self.db)
            async with asyncio.timeout(deadline_seconds):
                unreadable = await self.unreadable_credentials()
        except Exception as exc:  # noqa: BLE001 - any database failure means not ready
            return False, f"database unreachable: {type(exc).__name__}"
        if self.stopping:
            return False, "shutting down"
        if not self.workers_alive:
            return False, "workers not running"
        if unreadable:
            return False, (
                "stored credentials cannot be decrypted with the configured key: "
                + describe_channels(unreadable)
            )
        return True, "ok"

    @property
    def stopping(self) -> bool:
        return self._stopping is not None

    def begin_stop(self, grace_seconds: float | None = None) -> asyncio.Task[list[Drained]]:
        """Start stopping (once; later calls return the same task). See ``stop``."""
        if self._stopping is None:
            grace = self.settings.shutdown_grace_seconds if grace_seconds is None else grace_seconds
            self._stopping = asyncio.create_task(self._stop(grace), name="runtime-stop")
        return self._stopping

    async def stop(self, grace_seconds: float | None = None) -> list[Drained]:
        """Stop claiming; let running turns and sends finish within the grace; give back the rest.

        Default grace: CHATBOT_SHUTDOWN_GRACE_SECONDS. What was cut short is released (pending again,
        its attempt not counted), so the next process takes it at once instead of after the lease.
        """
        # Shielded: a caller cancelled while it waits must not cut the release of the leases short.
        return await asyncio.shield(self.begin_stop(grace_seconds))

    async def _stop(self, grace: float) -> list[Drained]:
        clock = asyncio.get_running_loop()
        deadline = clock.time() + grace
        if self.escalations is not None:
            await self.escalations.stop()
        if self.holds is not None:
            await self.holds.stop()
        turns = asyncio.create_task(self.worker.stop(grace))
        # The outbox goes on claiming while the turns finish (so their replies still go out), until they
        # are done or half the grace has passed: the sends it starts keep the other half to finish.
        await asyncio.wait({turns}, timeout=grace / 2)
        remaining = max(deadline - clock.time(), 0.0)
        stops = [self.sender.stop(remaining)]
        if self.notifier is not None:
            stops.append(self.notifier.stop(remaining))
        drained = [await turns, *await asyncio.gather(*stops)]
        log.info("stopped: %s", describe_stop(drained))
        return drained

    async def close(self) -> None:
        await self.stop()
        await self.acknowledgements.close()
        if self.llm is not None:
            await self.llm.aclose()
        if self.http is not None:
            await self.http.aclose()
        for extra in (self.read_db, self.send_read_db, self.lookup_db):
            if extra is not None:
                await extra.dispose()
        await self.db.dispose()


def worker_options(settings: Settings) -> WorkerOptions:
    return WorkerOptions(
        concurrency=settings.worker_concurrency,
        lease_seconds=settings.lease_seconds,
        max_attempts=settings.max_attempts,
        retry_base_seconds=settings.retry_base_seconds,
        poll_interval_seconds=settings.poll_interval_seconds,
    )


def sender_options(settings: Settings) -> SenderOptions:
    return SenderOptions(
        concurrency=settings.worker_concurrency,
        lease_seconds=settings.lease_seconds,
        max_attempts=settings.outbox_max_attempts,
        retry_base_seconds=settings.retry_base_seconds,
        poll_interval_seconds=settings.poll_interval_seconds,
    )


def notifier_options(settings: Settings) -> NotifierOptions:
    return NotifierOptions(
        lease_seconds=settings.lease_seconds,
        max_attempts=settings.notify_max_attempts,
        retry_base_seconds=settings.retry_base_seconds,
        poll_interval_seconds=settings.poll_interval_seconds,
    )


def build_runtime(
    settings: Settings,
    *,
    adapters: Mapping[str, Adapter],
    engine: Engine | None = None,
    only_channels: Collection[int] | None = None,
    except_platforms: Collection[str] = (),
    before_commit: Hook = no_hook,
    db: AsyncEngine | None = None,
    http: httpx.AsyncClient | None = None,
    llm: ClosableLLM | None = None,
    intents: IntentPort | None = None,
    admission_checks: Sequence[AdmissionCheck] = (),
) -> Runtime:
    """Wire a runtime; nothing runs until ``start()``. The two filters choose which channels it serves.

    A runtime limited to some channels (``only_channels``) leaves the tenant-wide duties (the escalation
    timeout, the notification webhooks) to the server. Without ``http`` it makes a client for them.
    The LLM, the intent scorer and the outbox's adapters are wrapped to be measured (/metrics).
    Before each LLM call a turn runs ``admission_checks`` (rate limits), then holds its credits.
    """
    llm = MeasuredLLM(llm) if llm is not None else None
    intents = MeasuredIntents(intents) if intents is not None else None
    db = db or create_engine(settings.effective_database_url)
    sessions = session_factory(db)
    read_db = create_read_engine(db)
    reads = session_factory(read_db) if read_db is not db else sessions
    # The sends' loads on a connection of their own: a reply never queues behind new turns' loads.
    send_read_db = create_read_engine(db, pool_size=1)
    send_reads = session_factory(send_read_db) if send_read_db is not db else sessions
    lookup_db = create_read_engine(db, pool_size=1)
    credentials = CredentialBox(resolve_secret_key(settings))
    # Every hot-path write of this process (webhook inserts first, then turns and send marks) shares it.
    commits = GroupCommit(sessions)
    sender = OutboxSender(
        sessions,
        measured_adapters(adapters),
        credentials,
        replace(sender_options(settings), only_channels=only_channels, except_platforms=except_platforms),
        commits=commits,
        reads=send_reads,
    )
    acknowledgements = Acknowledgements(adapters, credentials)
    notifier = escalations = holds = None
    if only_channels is None:
        http = http or httpx.AsyncClient(timeout=NOTIFY_HTTP_TIMEOUT, verify=tls_context())
        notifier = Notifier(sessions, http, credentials, notifier_options(settings))
        escalations = EscalationSweeper(
            sessions,
            interval_seconds=settings.escalation_sweep_seconds,
            on_notices=sender.wake,
            on_notifications=notifier.wake,
        )
        holds = HoldSweeper(sessions)
    processor = TurnProcessor(
        sessions,
        engine or Router(),
        ConfigCache(),
        commits=commits,
        reads=reads,
        on_replies=sender.wake,
        on_turn_start=acknowledgements.soon,
        before_commit=before_commit,
        llm=llm,
        intents=intents,
        admission_checks=admission_checks,
        default_model=settings.gemini_model,
        on_notifications=notifier.wake if notifier is not None else lambda: None,
    )
    worker = InboxWorker(
        sessions,
        processor,
        replace(worker_options(settings), only_channels=only_channels, except_platforms=except_platforms),
        commits=commits,
    )
    inbox = Inbox(sessions, on_accept=worker.wake, commits=commits)
    return Runtime(
        settings,
        db,
        sessions,
        credentials,
        inbox,
        worker,
        sender,
        acknowledgements,
        http,
        llm,
        notifier=notifier,
        escalations=escalations,
        holds=holds,
        read_db=read_db if read_db is not db else None,
        send_read_db=send_read_db if send_read_db is not db else None,
        lookup_db=lookup_db if lookup_db is not db else None,
        lookups=session_factory(lookup_db) if lookup_db is not db else sessions,
    )

"""A single writer task that runs write jobs one at a time, each in its own transaction."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiosqlite

from bot.storage.errors import StorageError

T = TypeVar("T")
Job = Callable[[aiosqlite.Connection], Awaitable[T]]
_QueueItem = tuple[Job[Any], asyncio.Future[Any]]


class SerialWriter:
    """Serialises all writes over one connection through a queue and one consumer task."""

    def __init__(self, conn: aiosqlite.Connection, name: str) -> None:
        self._conn = conn
        self._name = name
        # None is the stop signal; it is queued behind every write already accepted.
        self._queue: asyncio.Queue[_QueueItem | None] = asyncio.Queue()
        # Readers share the writer's connection, so a read running between two statements
        # of a write job would see (and later lose) uncommitted rows. The lock is held for
        # each whole transaction and for each read.
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def start(self) -> None:
        """Start the writer task; call once, from inside the event loop."""
        if self._task is not None:
            raise RuntimeError("writer already started")
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name=f"storage-writer {self._name}"
        )

    async def submit(self, job: Job[T]) -> T:
        """Queue job, wait until it has run in its own transaction, and return its result."""
        self._check_open()
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((job, future))
        return await future

    async def read(self, job: Job[T]) -> T:
        """Run a read-only job between write transactions and return its result."""
        self._check_open()
        async with self._lock:
            return await job(self._conn)

    async def close(self) -> None:
        """Stop accepting jobs, finish the queued ones and stop the task; safe to repeat."""
        if not self._closing:
            self._closing = True
            self._queue.put_nowait(None)
        if self._task is not None:
            await self._task

    def _check_open(self) -> None:
        if self._closing:
            raise StorageError(f"storage {self._name} is closed")
        if self._task is None:
            raise StorageError(f"storage {self._name} is not started")

    async def _run(self) -> None:
        try:
            while (item := await self._queue.get()) is not None:
                job, future = item
                # A caller that was cancelled before its job started no longer wants it.
                if future.done():
                    continue
                try:
                    result = await self._in_transaction(job)
                except asyncio.CancelledError:
                    future.cancel()
                    raise
                except Exception as exc:
                    # The failure belongs to the caller; the writer goes on with the next job.
                    if not future.done():
                        future.set_exception(exc)
                else:
                    if not future.done():
                        future.set_result(result)
        finally:
            self._fail_queued()

    async def _in_transaction(self, job: Job[T]) -> T:
        async with self._lock:
            # IMMEDIATE takes the write lock up front, so a busy database fails (after
            # busy_timeout) at BEGIN rather than half-way through the job.
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                result = await job(self._conn)
                await self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    await self._conn.execute("ROLLBACK")
                raise
            return result

    def _fail_queued(self) -> None:
        # Empty after a normal stop; after a cancellation the callers still queued must get
        # an error instead of waiting forever.
        self._closing = True
        while not self._queue.empty():
            item = self._queue.get_nowait()
            if item is not None and not item[1].done():
                item[1].set_exception(StorageError(f"storage {self._name} writer stopped"))

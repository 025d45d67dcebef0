"""Waiting until the running bot has handled everything queued at the Bot API stand-in."""

from __future__ import annotations

import asyncio

from bot.tg.application import BotApplication
from bot.tg.common import BACKGROUND
from bot.tg.context import Services
from tests.botapi_stub import BotApiStub


async def settle(
    stub: BotApiStub, app: BotApplication, services: Services, timeout: float = 20.0
) -> None:
    """Wait until every queued update has been fetched, handled and its writes have finished."""
    async with asyncio.timeout(timeout):
        # The stub forgets updates only when the next getUpdates confirms them, i.e. after
        # the updater has put them into the application's queue.
        while stub.pending_updates:
            await asyncio.sleep(0.005)
        # task_done() runs after the handler and the (blocking) error handler have finished.
        await app.update_queue.join()
        # Background storage writes the handlers started.
        await background_done()


async def background_done() -> None:
    """Wait for the work handlers started off the answer path (storage writes, typing)."""
    tasks = [t for t in asyncio.all_tasks() if t.get_name().startswith(BACKGROUND)]
    await asyncio.gather(*tasks, return_exceptions=True)


async def settle_quiet(stub: BotApiStub, quiet: float = 0.5, timeout: float = 30.0) -> None:
    """Wait until every update was fetched and no call but getUpdates came for ``quiet`` s.

    For tests that inject faults: handlers may fail or be retried, so "quiet for a while" is
    the one signal that works without reaching into the application.
    """

    def work() -> int:
        return sum(1 for call in stub.calls if call.method != "getUpdates")

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        seen = work()
        await asyncio.sleep(quiet)
        if not stub.pending_updates and work() == seen:
            return
    raise TimeoutError("the bot did not settle")

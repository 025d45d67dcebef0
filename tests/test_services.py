"""The bot's in-memory caches stay bounded and never lose what the database holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest

from bot.config import Config
from bot.storage import Store
from bot.tg import context
from bot.tg.context import Services


async def test_language_cache_is_bounded_and_falls_back_to_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(context, "LANGUAGE_CACHE_LIMIT", 3)
    # The holder is not used by the language cache.
    services = Services(config=Config(), holder=cast(Any, None), hmac_key=b"k" * 32)
    async with await Store.open(tmp_path / "bot.sqlite3") as store:
        services.store = store
        keys = [services.user_key(n) for n in range(10)]
        for n, key in enumerate(keys):
            await services.save_language(key, "en" if n % 2 else "de")
        assert len(services._languages) == 3
        # The oldest choice was evicted from memory but is read back from the database.
        assert await services.saved_language(keys[0]) == "de"
        assert await services.saved_language(keys[1]) == "en"
        assert len(services._languages) == 3

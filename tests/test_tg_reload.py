"""Live reload: edits to the data folders reach the running bot; broken edits never do."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path

from tests.botapi_stub import BotApiStub, Call
from tests.conftest import INTENTS, KNOWLEDGE
from tests.tg_harness import ADMIN_ID, bot_env, running_bot

NEW_ENTRY = """version: 1
entries:
  - id: test-neues-thema
    sources: [test]
    de:
      title: Das Testthema
      questions: ["Was ist das Zebrastreifenfest?", "zebrastreifenfest", "wann ist das zebrastreifenfest"]
      answer: Das Zebrastreifenfest ist nur ein Test.
"""


async def wait_until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_broken_then_fixed_file_while_questions_keep_being_answered(tmp_path: Path) -> None:
    knowledge, intents = tmp_path / "knowledge", tmp_path / "intents"
    shutil.copytree(KNOWLEDGE, knowledge)
    shutil.copytree(INTENTS, intents)
    async with BotApiStub() as stub:
        env = bot_env(
            stub, tmp_path / "data", BOT_KNOWLEDGE_DIR=str(knowledge), BOT_INTENTS_DIR=str(intents)
        )
        async with running_bot(env) as (_app, services):
            first = services.assistant
            asked = 0

            def admin_texts() -> list[str]:
                return [
                    c.params["text"]
                    for c in stub.sent_messages()
                    if c.params["chat_id"] == ADMIN_ID
                ]

            async def keep_asking(rounds: int) -> None:
                nonlocal asked
                for _ in range(rounds):
                    stub.add_message(
                        100 + asked % 7,
                        "Was macht der Hessische Jugendring?",
                        user_id=100 + asked % 7,
                    )
                    asked += 1
                    await asyncio.sleep(0.02)

            # A broken edit: admins hear file and line, the old knowledge keeps answering.
            (knowledge / "neu.yaml").write_text(
                NEW_ENTRY.replace("    sources", "\tsources"), encoding="utf-8"
            )
            await keep_asking(30)
            await wait_until(lambda: any("neu.yaml:" in t for t in admin_texts()))
            assert services.assistant is first
            # The fix: the new entry answers, without a restart.
            (knowledge / "neu.yaml").write_text(NEW_ENTRY, encoding="utf-8")
            await keep_asking(30)
            await wait_until(lambda: services.assistant is not first)
            assert (
                services.assistant.answer("Was ist das Zebrastreifenfest?").id == "test-neues-thema"
            )

            def user_replies() -> list[Call]:
                return [c for c in stub.sent_messages() if c.params["chat_id"] != ADMIN_ID]

            await wait_until(lambda: len(user_replies()) >= asked)
            assert len(user_replies()) == asked
            assert all("Jugendring" in c.params["text"] for c in user_replies())


async def test_deleted_and_truncated_files_keep_the_last_good_knowledge(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    async with BotApiStub() as stub:
        env = bot_env(stub, tmp_path / "data", BOT_KNOWLEDGE_DIR=str(knowledge))
        async with running_bot(env) as (_app, services):
            first = services.assistant
            text = (knowledge / "glossar.yaml").read_text(encoding="utf-8")
            (knowledge / "glossar.yaml").write_text(text[: len(text) // 3], encoding="utf-8")
            await stub.wait_for("sendMessage", 1, timeout=15)
            assert services.assistant is first
            (knowledge / "glossar.yaml").write_bytes(b"\x00\xff\xfe binary garbage")
            await stub.wait_for("sendMessage", 2, timeout=15)
            assert services.assistant is first
            assert (
                services.assistant.answer("Was bedeutet Zivilgesellschaft?").id
                == "glossar-zivilgesellschaft"
            )

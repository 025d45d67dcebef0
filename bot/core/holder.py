"""Holds the current assistant and swaps in a new one only when the new knowledge is whole."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from bot.core.assistant import Assistant, Deployment
from bot.core.problems import Problem


@dataclass(frozen=True)
class ReloadResult:
    """What a successful reload loaded, with its warnings."""

    entries: int
    intents: int
    warnings: list[Problem]


class AssistantHolder:
    """The one place that knows the current assistant; readers never see a half-built one."""

    def __init__(
        self,
        assistant: Assistant,
        knowledge_dir: Path,
        intents_dir: Path,
    ) -> None:
        self._assistant = assistant
        self.knowledge_dir = knowledge_dir
        self.intents_dir = intents_dir
        self._lock = asyncio.Lock()

    @classmethod
    def load(
        cls, knowledge_dir: Path, intents_dir: Path, deployment: Deployment
    ) -> AssistantHolder:
        """Load the folders for the first time; raises KnowledgeError when they are broken."""
        assistant, _warnings = Assistant.from_dirs(knowledge_dir, intents_dir, None, deployment)
        return cls(assistant, knowledge_dir, intents_dir)

    @property
    def current(self) -> Assistant:
        """The assistant answering right now."""
        return self._assistant

    async def reload(self) -> ReloadResult:
        """Build and check the new knowledge off the event loop, then swap it in one step.

        Raises KnowledgeError (the old assistant keeps answering) when the files are broken.
        """
        async with self._lock:
            old = self._assistant
            assistant, warnings = await asyncio.to_thread(
                Assistant.from_dirs,
                self.knowledge_dir,
                self.intents_dir,
                old.settings,
                old.deployment,
            )
            self._assistant = assistant
        return ReloadResult(len(assistant.kb.entries), len(assistant.kb.intents), warnings)

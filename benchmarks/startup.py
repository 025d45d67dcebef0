"""Time from process start to the first answer, and peak RSS, of the CLI and of the bot."""

from __future__ import annotations

import asyncio
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import yaml

from benchmarks.common import BenchConfig, child_env

ASK = "python -m bot ask hallo"
ASK_COLD = "python -m bot ask hallo, empty data folder (fits the learned scorer)"
ASK_ARGV = [sys.executable, "-m", "bot", "ask", "hallo"]
BOT = "run_bot.py: spawn → first sendMessage"
ASK_DE_EN = "python -m bot ask hallo, German and English only (languages.yaml cut to de, en)"
BOT_DE_EN = "run_bot.py: spawn → first sendMessage, German and English only"
OTHER_QUESTION = "ما هو عقد الاندماج"
ASK_OTHER = "python -m bot ask in Arabic (builds that language's matcher on first use)"
FLOOR = "python -c pass (interpreter alone)"
BASE_IMPORTS = "python -c 'import numpy, scipy.sparse' (the matcher's imports minus scikit-learn)"
IMPORTS = "python -c 'import bot.core.assistant' (numpy, scipy, scikit-learn)"
BOT_IMPORTS = "python -c 'import bot.tg.runner' (everything the bot imports)"
STOP_TIMEOUT = 30.0
STAMP = "; import time; print(repr(time.monotonic()))"
ANSWER_TIMEOUT = 60.0
# A child's ru_maxrss counts the memory of the process it was forked from, so the command is
# started by this tiny launcher (no site, no numpy; a few MB) instead of by the benchmark
# process itself. It forwards SIGTERM and records the child's own wall time (CLOCK_MONOTONIC,
# shared by all processes) and ru_maxrss from wait4.
LAUNCHER = """
import os, signal, sys, time
result, argv = sys.argv[1], sys.argv[2:]
start = time.monotonic()
pid = os.fork()
if pid == 0:
    try:
        os.execv(argv[0], argv)
    finally:
        os._exit(127)
signal.signal(signal.SIGTERM, lambda signum, frame: os.kill(pid, signal.SIGTERM))
_, status, usage = os.wait4(pid, 0)
end = time.monotonic()
with open(result, "w") as handle:
    handle.write(f"{start!r} {end!r} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


@dataclass(frozen=True)
class StartupRow:
    """Start-up time (median and worst of some runs) and peak RSS of one command."""

    name: str
    runs: int
    median_s: float
    max_s: float
    rss_mb: float
    goal: bool


@dataclass(frozen=True)
class Launched:
    """What the launcher recorded about its child."""

    start: float
    end: float
    rss_mb: float
    code: int


def launch(
    argv: Sequence[str], cwd: Path, env: dict[str, str], result: Path, log: IO[bytes]
) -> subprocess.Popen[bytes]:
    """Start argv through the launcher; its record goes to result, its output to log."""
    return subprocess.Popen(
        [sys.executable, "-I", "-S", "-c", LAUNCHER, str(result), *argv],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
    )


def _record(result: Path, log: Path, what: str) -> Launched:
    """Read the launcher's record; raise with the output's tail when the command failed."""
    try:
        start, end, rss_kib, code = result.read_text(encoding="utf-8").split()
    except (OSError, ValueError):
        start, end, rss_kib, code = "0", "0", "0", "-1"
    if int(code) != 0:
        tail = log.read_bytes()[-2000:].decode(errors="replace")
        raise RuntimeError(f"{what} exited with {code}: {tail}")
    return Launched(float(start), float(end), int(rss_kib) / 1024, int(code))


def run_to_exit(
    argv: Sequence[str], cwd: Path, extra_env: dict[str, str] | None = None
) -> tuple[float, float]:
    """Run a command to its end; return seconds from spawn to exit and its own peak RSS (MB).

    A command whose output ends with a time.monotonic() stamp is timed up to that stamp
    instead, so an import row does not count the interpreter's shutdown.
    """
    with tempfile.TemporaryDirectory() as folder:
        result, log = Path(folder) / "result", Path(folder) / "log"
        with log.open("wb") as out:
            process = launch(argv, cwd, child_env(extra_env), result, out)
            process.wait()
        record = _record(result, log, " ".join(argv))
        end = record.end
        if argv[-1].endswith(STAMP):
            end = float(log.read_text(encoding="utf-8").split()[-1])
    return end - record.start, record.rss_mb


def _imports(modules: str) -> str:
    """Return python -c code that imports modules, then prints the time it finished."""
    return f"import {modules}{STAMP}"


async def _stop(process: subprocess.Popen[bytes]) -> None:
    """Send SIGTERM and wait (without blocking the event loop) until the process is gone."""
    process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while process.poll() is None:
        if time.monotonic() > deadline:
            process.kill()
            deadline = time.monotonic() + STOP_TIMEOUT
        await asyncio.sleep(0.02)


def german_english_only(root: Path, folder: Path) -> dict[str, str]:
    """Copy the knowledge with languages.yaml cut to German and English; return its env."""
    knowledge, intents = folder / "knowledge", folder / "intents"
    shutil.copytree(root / "knowledge", knowledge)
    shutil.copytree(root / "intents", intents)
    path = knowledge / "languages.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["languages"] = [line for line in data["languages"] if line["code"] in ("de", "en")]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return {"BOT_KNOWLEDGE_DIR": str(knowledge), "BOT_INTENTS_DIR": str(intents)}


async def bot_first_answer(
    root: Path, data_dir: Path, extra_env: dict[str, str] | None = None
) -> tuple[float, float]:
    """Spawn run_bot.py against the stand-in with a queued message; time the first reply."""
    from tests.botapi_stub import BotApiStub
    from tests.tg_harness import bot_env

    with tempfile.TemporaryDirectory() as folder:
        result, log = Path(folder) / "result", Path(folder) / "log"
        async with BotApiStub() as stub:
            stub.add_message(5, "hallo", user_id=5)
            env = child_env({**bot_env(stub, data_dir), **(extra_env or {})})
            with log.open("wb") as out:
                process = launch([sys.executable, "run_bot.py"], root, env, result, out)
                try:
                    calls = await stub.wait_for("sendMessage", 1, timeout=ANSWER_TIMEOUT)
                finally:
                    await _stop(process)
        record = _record(result, log, "run_bot.py")
    return calls[0].at - record.start, record.rss_mb


def _row(name: str, samples: list[tuple[float, float]], goal: bool) -> StartupRow:
    """Summarise runs of one command."""
    times = [t for t, _ in samples]
    return StartupRow(
        name,
        len(samples),
        statistics.median(times),
        max(times),
        max(rss for _, rss in samples),
        goal,
    )


def run_startup(config: BenchConfig, root: Path) -> list[StartupRow]:
    """Measure the interpreter floor, the imports, the CLI answer and the bot's first answer."""
    python = sys.executable
    other = [python, *ASK_ARGV[1:-1], OTHER_QUESTION]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        # A data folder that outlives the runs, as a Docker volume does: the first start
        # fits the learned scorer and caches it, later starts read the cache.
        warm = {"BOT_DATA_DIR": str(Path(folder) / "warm")}
        # The same bot with only German and English, timed in the same run: what the further
        # languages cost at start-up (issues 13 and 14: at most 1.2x).
        # Its own data folder: the knowledge snapshot and the models are kept per knowledge.
        de_en = {
            **german_english_only(root, Path(folder) / "de-en"),
            "BOT_DATA_DIR": str(Path(folder) / "warm-de-en"),
        }
        commands: list[tuple[str, list[str], bool, dict[str, str]]] = [
            (FLOOR, [python, "-c", "pass"], False, warm),
            (BASE_IMPORTS, [python, "-c", _imports("numpy, scipy.sparse")], False, warm),
            (IMPORTS, [python, "-c", _imports("bot.core.assistant")], False, warm),
            (BOT_IMPORTS, [python, "-c", _imports("bot.tg.runner")], False, warm),
            (ASK, [python, *ASK_ARGV[1:]], True, warm),
            (ASK_DE_EN, [python, *ASK_ARGV[1:]], False, de_en),
            (ASK_OTHER, other, False, warm),
        ]
        for argv, env in ((ASK_ARGV, warm), (other, warm), (ASK_ARGV, de_en)):
            run_to_exit(argv, root, env)
        # Round by round, every command once per round: a busy moment on the machine hits
        # every row alike, so rows compared with each other (all languages against German and
        # English only) stay comparable.
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name, *_ in commands}
        for _round in range(config.startup_runs):
            for name, argv, _goal, env in commands:
                samples[name].append(run_to_exit(argv, root, env))
        rows += [_row(name, samples[name], goal) for name, _argv, goal, _env in commands]
        cold = [
            run_to_exit(ASK_ARGV, root, {"BOT_DATA_DIR": str(Path(folder) / f"cold{i}")})
            for i in range(config.startup_runs)
        ]
        rows.append(_row(ASK_COLD, cold, False))
        bots: dict[str, list[tuple[float, float]]] = {BOT: [], BOT_DE_EN: []}
        for _round in range(config.startup_runs):
            for name, extra in ((BOT, warm), (BOT_DE_EN, de_en)):
                data = Path(extra["BOT_DATA_DIR"])
                bots[name].append(asyncio.run(bot_first_answer(root, data, extra)))
        rows += [_row(name, runs, name == BOT) for name, runs in bots.items()]
    return rows

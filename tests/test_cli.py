"""The CLI as people and scripts use it: real files, the JSON contract, the exit codes.

Most tests call the entry function in this process (stdin, stdout and the environment
replaced); two start real processes, for what only a process shows: `python -m bot` reading
a pipe, and the exit code a script sees.
"""

from __future__ import annotations

import io
import json
import os
import runpy
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.assistant import Assistant
from tests.conftest import KNOWLEDGE, ROOT

JUGENDRING = "Was macht der Hessische Jugendring?"


@dataclass(frozen=True)
class Result:
    """What one CLI run returned and printed."""

    returncode: int
    stdout: str
    stderr: str


class Cli:
    """Runs `python -m bot ...` in this process, from the project folder, with a clean env."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
        self.monkeypatch = monkeypatch
        self.capsys = capsys

    def __call__(self, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> Result:
        for name, value in (env or {}).items():
            self.monkeypatch.setenv(name, value)
        self.monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        self.capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse: --help and bad arguments
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[Cli]:
    monkeypatch.chdir(ROOT)
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "BOT_")):
            monkeypatch.delenv(name)
    yield Cli(monkeypatch, capsys)


def run(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Start a real `python ARGS` process in the project folder."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=full_env,
        timeout=120,
        check=False,
    )


# --- real processes -----------------------------------------------------------------------


def test_ask_batch_from_stdin_one_reply_per_line() -> None:
    questions = ["Was ist ein Integrationsvertrag?", "", "hi", "What is the DRK doing?", "😀"] * 200
    started = time.perf_counter()
    result = run("-m", "bot", "ask", "--json", stdin="\n".join(questions) + "\n")
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(questions)
    replies = [json.loads(line) for line in lines]
    assert all(reply["text"] for reply in replies)
    assert [r["kind"] for r in replies[:5]] == ["faq", "fallback", "intent", "faq", "fallback"]
    print(f"1000 questions in one process: {elapsed:.2f} s (including start-up)")


def test_ask_refuses_broken_knowledge_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "kaputt.yaml").write_text("version: 1\nentries: 5\n", encoding="utf-8")
    result = run("-m", "bot", "ask", "hallo", env={"BOT_KNOWLEDGE_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert "kaputt.yaml:2" in result.stderr
    assert "Traceback" not in result.stderr


# --- in this process ----------------------------------------------------------------------


def test_ask_json_jugendring(cli: Cli) -> None:
    result = cli("ask", "--json", JUGENDRING)
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert reply["kind"] == "faq"
    assert "Jugendring" in reply["text"]
    assert "https://www.hessischer-jugendring.de" in [link["url"] for link in reply["links"]]


def test_chat_numbers_pick_a_suggestion(cli: Cli, assistant: Assistant) -> None:
    question = "verträge"  # a vague question: "did you mean" with three suggestions
    suggested = [s.id for s in assistant.answer(question).suggestions]
    assert len(suggested) == 3
    result = cli("chat", stdin=f"{question}\n1\n{question}\n3\nexit\n")
    assert result.returncode == 0, result.stderr
    assert "Console chat" in result.stdout
    # One reply after each prompt: the suggestions, entry 1, the suggestions, entry 3.
    replies = result.stdout.split("\n> ")[1:]
    assert len(replies) == 5 and replies[-1] == ""
    for reply in (replies[0], replies[2]):
        assert "[1]" in reply and "[3]" in reply
    for reply, entry_id in ((replies[1], suggested[0]), (replies[3], suggested[2])):
        expected = assistant.entry_reply(entry_id, None).text.strip()
        assert reply.startswith(expected), (entry_id, reply[:200])


def test_validate_ok_on_real_files(cli: Cli) -> None:
    result = cli("validate")
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1].startswith("OK: ")


def test_validate_names_file_and_line_of_a_broken_file(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "kaputt.yaml").write_text(
        "version: 1\nentries:\n  - id: x\n    de: [\n", encoding="utf-8"
    )
    result = cli("validate", env={"BOT_KNOWLEDGE_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert "kaputt.yaml:" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_bad_configuration_is_one_line_exit_2(cli: Cli) -> None:
    result = cli("ask", "hallo", env={"BOT_ADMIN_IDS": "12,abc"})
    assert result.returncode == 2
    assert "BOT_ADMIN_IDS" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_kb_json_lists_entries(cli: Cli, assistant: Assistant) -> None:
    result = cli("kb", "--json")
    assert result.returncode == 0, result.stderr
    entries = json.loads(result.stdout)
    assert {"id", "texts", "sources"} <= set(entries[0])
    assert {e["id"] for e in entries} == set(assistant.kb.entries)


def test_every_command_has_help_with_example(cli: Cli) -> None:
    for command in ("ask", "chat", "validate", "eval", "kb", "report", "run"):
        result = cli(command, "--help")
        assert result.returncode == 0, command
        assert "Example" in result.stdout, command


def test_run_bot_without_token_opens_console_chat(cli: Cli) -> None:
    cli.monkeypatch.setattr(sys, "stdin", io.StringIO("hallo\n"))
    with pytest.raises(SystemExit) as exited:
        runpy.run_path(str(ROOT / "run_bot.py"), run_name="__main__")
    assert exited.value.code == 0
    captured = cli.capsys.readouterr()
    assert "TELEGRAM_BOT_TOKEN is not set" in captured.err
    assert "Console chat" in captured.out


def test_validate_warnings_exit_0_and_overlaps_are_listed(cli: Cli, tmp_path: Path) -> None:
    shutil.copytree(KNOWLEDGE, tmp_path / "k")
    # Only German, and one example that plainly belongs to the Jugendring entry.
    (tmp_path / "k" / "extra.yaml").write_text(
        "version: 1\nentries:\n  - id: extra-thema\n    sources: [test]\n    de:\n      title: Extra\n"
        '      questions: ["was macht eigentlich der hessische jugendring so", "zebrastreifenfest"]\n'
        "      answer: Nur ein Test.\n",
        encoding="utf-8",
    )
    result = cli("validate", env={"BOT_KNOWLEDGE_DIR": str(tmp_path / "k")})
    assert result.returncode == 0, result.stdout
    assert "(warning)" in result.stdout
    assert (
        "extra-thema's question 'was macht eigentlich der hessische jugendring so' is answered by"
        in result.stdout
    )
    assert "extra.yaml:7:1:" in result.stdout


def test_report_command_html_from_a_seeded_log_and_empty_log(cli: Cli, tmp_path: Path) -> None:
    import asyncio
    from datetime import UTC, datetime, timedelta

    from bot.storage import QuestionRecord, Store

    async def seed() -> None:
        async with await Store.open(tmp_path / "bot.sqlite3") as store:
            now = datetime.now(UTC)
            for days, text in enumerate(
                [
                    "wie werde ich sanitäter beim drk",
                    "drk sanitätsdienst ausbildung",
                    "sanitäter ausbildung rotes kreuz",
                ]
            ):
                await store.log_question(
                    QuestionRecord(
                        now - timedelta(days=days), None, "de", "fallback", None, 0.1, text
                    )
                )

    asyncio.run(seed())
    out = tmp_path / "bericht.html"
    result = cli(
        "report",
        "--since",
        "30d",
        "--format",
        "html",
        "--out",
        str(out),
        env={"BOT_DATA_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    html = out.read_text(encoding="utf-8")
    assert "<svg" in html and "sanitätsdienst" in html and "3 Fragen" in html
    empty = cli("report", env={"BOT_DATA_DIR": str(tmp_path / "leer")})
    assert empty.returncode == 0 and "keine Fragen gespeichert" in empty.stdout
    bad = cli("report", "--since", "gestern", env={"BOT_DATA_DIR": str(tmp_path)})
    assert bad.returncode == 2 and "--since" in bad.stderr and "Traceback" not in bad.stderr

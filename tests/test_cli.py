"""The CLI as people and scripts use it: real processes, real files, the JSON contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT


def run(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
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


def test_ask_json_jugendring() -> None:
    result = run("-m", "bot", "ask", "--json", "Was macht der Hessische Jugendring?")
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert reply["kind"] == "faq"
    assert "Jugendring" in reply["text"]
    assert "https://www.hessischer-jugendring.de" in [link["url"] for link in reply["links"]]


def test_ask_batch_from_stdin_one_reply_per_line() -> None:
    questions = ["Was ist ein Integrationsvertrag?", "", "hi", "What is the DRK doing?", "😀"] * 200
    started = time.perf_counter()
    result = run("-m", "bot", "ask", "--json", stdin="\n".join(questions) + "\n")
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(questions)
    assert all(json.loads(line)["text"] for line in lines)
    print(f"1000 questions in one process: {elapsed:.2f} s (including start-up)")


def test_chat_numbers_pick_a_suggestion() -> None:
    result = run("-m", "bot", "chat", stdin="Was macht der Hessische Jugendring?\n1\nexit\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("[1]") >= 1
    assert "Console chat" in result.stdout


def test_validate_ok_on_real_files() -> None:
    result = run("-m", "bot", "validate")
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith("OK") or "OK:" in result.stdout


def test_validate_names_file_and_line_of_a_broken_file(tmp_path: Path) -> None:
    (tmp_path / "kaputt.yaml").write_text(
        "version: 1\nentries:\n  - id: x\n    de: [\n", encoding="utf-8"
    )
    result = run("-m", "bot", "validate", env={"BOT_KNOWLEDGE_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert "kaputt.yaml:" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_ask_refuses_broken_knowledge_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "kaputt.yaml").write_text("version: 1\nentries: 5\n", encoding="utf-8")
    result = run("-m", "bot", "ask", "hallo", env={"BOT_KNOWLEDGE_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert "kaputt.yaml:2" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_configuration_is_one_line_exit_2() -> None:
    result = run("-m", "bot", "ask", "hallo", env={"BOT_ADMIN_IDS": "12,abc"})
    assert result.returncode == 2
    assert "BOT_ADMIN_IDS" in result.stderr
    assert "Traceback" not in result.stderr


def test_kb_json_lists_entries() -> None:
    result = run("-m", "bot", "kb", "--json")
    entries = json.loads(result.stdout)
    assert {"id", "texts", "sources"} <= set(entries[0])


def test_every_command_has_help_with_example() -> None:
    for command in ("ask", "chat", "validate", "eval", "kb", "report"):
        result = run("-m", "bot", command, "--help")
        assert result.returncode == 0
        assert "Example" in result.stdout, command


def test_run_bot_without_token_opens_console_chat() -> None:
    result = run("run_bot.py", stdin="hallo\n")
    assert result.returncode == 0, result.stderr
    assert "TELEGRAM_BOT_TOKEN is not set" in result.stderr
    assert "Console chat" in result.stdout


def test_validate_warnings_exit_0_and_overlaps_are_listed(tmp_path: Path) -> None:
    import shutil

    from tests.conftest import KNOWLEDGE

    shutil.copytree(KNOWLEDGE, tmp_path / "k")
    # Only German, and one example that plainly belongs to the Jugendring entry.
    (tmp_path / "k" / "extra.yaml").write_text(
        "version: 1\nentries:\n  - id: extra-thema\n    sources: [test]\n    de:\n      title: Extra\n"
        '      questions: ["was macht eigentlich der hessische jugendring so", "zebrastreifenfest"]\n'
        "      answer: Nur ein Test.\n",
        encoding="utf-8",
    )
    result = run("-m", "bot", "validate", env={"BOT_KNOWLEDGE_DIR": str(tmp_path / "k")})
    assert result.returncode == 0, result.stdout
    assert "(warning)" in result.stdout
    assert (
        "extra-thema's question 'was macht eigentlich der hessische jugendring so' is answered by"
        in result.stdout
    )
    assert "extra.yaml:7:1:" in result.stdout


def test_report_command_html_from_a_seeded_log_and_empty_log(tmp_path: Path) -> None:
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
    result = run(
        "-m",
        "bot",
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
    empty = run("-m", "bot", "report", env={"BOT_DATA_DIR": str(tmp_path / "leer")})
    assert empty.returncode == 0 and "keine Fragen gespeichert" in empty.stdout
    bad = run("-m", "bot", "report", "--since", "gestern", env={"BOT_DATA_DIR": str(tmp_path)})
    assert bad.returncode == 2 and "--since" in bad.stderr and "Traceback" not in bad.stderr

"""Command line: `python -m bot run|ask|chat|validate|eval|kb|report`, a thin layer over bot.core."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.config import Config, ConfigError
from bot.core.assistant import Assistant
from bot.core.evaluation import (
    GATES,
    LANGUAGE_TEST_GATES,
    TEST_GATES,
    QualityGates,
    cross_validation,
    evaluate,
    format_report,
    load_questions,
    summary_line,
)
from bot.core.model import Reply
from bot.core.overlaps import find_overlaps
from bot.core.problems import KnowledgeError

# The dev part of the evaluation table (may be used for tuning) and the held-out test part.
DEFAULT_EVAL_FILE = Path("tests/eval/questions.yaml")
DEFAULT_TEST_FILE = Path("tests/eval/test.yaml")
# One table per language beyond German and English, each with its own dev and test part.
LANGUAGE_EVAL_DIR = Path("tests/eval/languages")
CV_FOLDS = 5
EXIT_DATA_ERROR = 1
EXIT_CONFIG_ERROR = 2
# Telegram bot usernames: 5-32 of A-Za-z0-9_, ending in "bot".
BOT_USERNAME = re.compile(r"[A-Za-z0-9_]{2,29}[Bb][Oo][Tt]")


def load_assistant(config: Config) -> Assistant:
    """Build the assistant from the configured folders; raises KnowledgeError."""
    assistant, _warnings = Assistant.from_dirs(
        config.knowledge_dir, config.intents_dir, deployment=config.deployment()
    )
    return assistant


def render_text(reply: Reply) -> str:
    """Return a reply as console text: answer, links, numbered suggestions and related."""
    lines = [reply.text.strip()]
    lines += [f"  🔗 {link.title}: {link.url}" for link in reply.links]
    choices = [*reply.suggestions, *reply.related]
    lines += [f"  [{n}] {s.question}" for n, s in enumerate(choices, 1)]
    return "\n".join(lines)


def cmd_ask(args: argparse.Namespace, assistant: Assistant, out: TextIO) -> int:
    """Answer questions from the arguments, or one per line from stdin."""
    questions: Iterable[str] = [" ".join(args.question)] if args.question else sys.stdin
    for line in questions:
        question = line.rstrip("\n")
        reply = assistant.answer(question, lang=args.lang)
        if args.json:
            out.write(json.dumps(reply.to_json_dict(), ensure_ascii=False) + "\n")
        else:
            out.write(render_text(reply) + "\n\n")
    return 0


def cmd_chat(args: argparse.Namespace, assistant: Assistant, out: TextIO) -> int:
    """Talk to the assistant in the console; type a number to pick a suggestion."""
    out.write("Console chat (same answers as the Telegram bot). Type 'exit' or Ctrl-D to leave.\n")
    lang = args.lang
    choices: list[str] = []
    while True:
        try:
            line = input("> ")
        except (EOFError, KeyboardInterrupt):
            out.write("\n")
            return 0
        text = line.strip()
        if text.lower() in ("exit", "quit", "/exit"):
            return 0
        if text.isdigit() and 1 <= int(text) <= len(choices):
            reply = assistant.entry_reply(choices[int(text) - 1], lang)
        else:
            reply = assistant.answer(text, lang=lang)
        choices = [s.id for s in (*reply.suggestions, *reply.related)]
        out.write(render_text(reply) + "\n")


def cmd_validate(args: argparse.Namespace, config: Config, out: TextIO) -> int:
    """Check the knowledge and intent files, list every problem, then the overlaps."""
    try:
        assistant, warnings = Assistant.from_dirs(
            config.knowledge_dir, config.intents_dir, deployment=config.deployment()
        )
    except KnowledgeError as exc:
        for problem in exc.problems:
            out.write(f"{problem}\n")
        errors = sum(p.severity == "error" for p in exc.problems)
        out.write(f"{errors} error(s): the bot will not use these files until they are fixed.\n")
        return EXIT_DATA_ERROR
    for problem in warnings:
        out.write(f"{problem}\n")
    overlaps = [] if args.no_overlaps else find_overlaps(assistant)
    if overlaps:
        out.write("Overlaps: these example questions, typed by a user, would get another answer.\n")
        out.write("Make them more specific, or move them to the entry that answers them.\n")
        out.writelines(f"  {overlap}\n" for overlap in overlaps)
    out.write(
        f"OK: {len(assistant.kb.entries)} entries, {len(assistant.kb.intents)} intents, "
        f"{len(warnings)} warning(s), {len(overlaps)} overlap(s).\n"
    )
    return 0


def cmd_eval(args: argparse.Namespace, assistant: Assistant, out: TextIO) -> int:
    """Measure answers on the evaluation table; fail below the quality gates."""
    result = evaluate(assistant, load_questions(args.file))
    out.write(format_report(result) + "\n")
    failed = QualityGates(args.min_top1, args.min_rejection).failures(result)
    out.write(summary_line(f"dev part ({args.file})", result) + "\n")
    if args.test_file.is_file():
        test = evaluate(assistant, load_questions(args.test_file))
        out.write(summary_line(f"test part ({args.test_file})", test) + "\n")
        failed += [f"test part: {f}" for f in TEST_GATES.failures(test)]
    for path in sorted(LANGUAGE_EVAL_DIR.glob("*.yaml")):
        asked = load_questions(path)
        for part in ("dev", "test"):
            result = evaluate(assistant, [q for q in asked if q.part == part])
            out.write(summary_line(f"{path.stem} {part} part ({path})", result))
            out.write(f", reply language: {result.lang_hits}/{result.lang_checked}")
            missed = LANGUAGE_TEST_GATES.failures(result) if part == "test" else []
            out.write(f" — below the gates: {'; '.join(missed)}\n" if missed else "\n")
    if not args.no_cv:
        out.write(_cross_validation_report(assistant))
    if failed:
        out.write("FAILED: " + "; ".join(failed) + "\n")
        return EXIT_DATA_ERROR
    out.write("quality gates passed\n")
    return 0


def _cross_validation_report(assistant: Assistant) -> str:
    """Return k-fold top-1 of the shipped matcher and of the similarity-only one, and misses."""
    new = cross_validation(assistant, CV_FOLDS)
    old_settings = replace(assistant.matcher.settings, learned_share=0.0)
    old = cross_validation(assistant, CV_FOLDS, old_settings)
    lines = [
        f"cross-validation ({CV_FOLDS}-fold) top-1: {new.top1:.3f} "
        f"({new.total} titles and example questions of entries; a fresh matcher per fold)",
        f"cross-validation ({CV_FOLDS}-fold) top-1, similarity-only matcher: {old.top1:.3f}",
        "held-out examples answered by another target (expected -> got):",
        *(f"  {n}x {a} -> {b}" for (a, b), n in new.confusions.most_common(12)),
    ]
    return "\n".join(lines) + "\n"


def cmd_kb(args: argparse.Namespace, assistant: Assistant, out: TextIO) -> int:
    """List the loaded entries (as JSON with --json)."""
    entries = [
        {
            "id": e.id,
            "partner": e.partner,
            "related": list(e.related),
            "sources": list(e.sources),
            "file": e.file,
            "texts": {
                lang: {
                    "title": t.title,
                    "questions": list(t.questions),
                    "answer": t.answer,
                    "links": [{"title": link.title, "url": link.url} for link in t.links],
                }
                for lang, t in e.texts.items()
            },
        }
        for e in assistant.kb.entries.values()
    ]
    if args.json:
        out.write(json.dumps(entries, ensure_ascii=False, indent=2) + "\n")
    else:
        for entry in entries:
            out.write(f"{entry['id']}  ({entry['file']})\n")
    return 0


def cmd_report(args: argparse.Namespace, config: Config, assistant: Assistant, out: TextIO) -> int:
    """Write the staff report from the question log and votes."""
    # Imported here: the other commands never need the database or the clustering code.
    from bot.report import ReportInput, build_report, collect, parse_since, render
    from bot.storage import StorageError, Store

    now = datetime.now().astimezone()
    try:
        since = parse_since(args.since, now)
    except ValueError as exc:
        sys.stderr.write(f"--since: {exc}\n")
        return EXIT_CONFIG_ERROR

    async def gather() -> str:
        if not config.database.exists():
            # No bot has run here yet: that is an empty log, and the report says so.
            data = ReportInput(questions=[], votes=[], downvoted=[])
        else:
            async with await Store.open(config.database) as store:
                data = await collect(store, since)
        return render(build_report(data, assistant, since, now), args.format)

    try:
        text = asyncio.run(gather())
    except StorageError as exc:
        sys.stderr.write(f"cannot read the question log: {exc}\n")
        return EXIT_DATA_ERROR
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        out.write(f"report written to {args.out}\n")
    else:
        out.write(text if text.endswith("\n") else text + "\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with one sub-command per job."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Integrationsverträge assistant: answers, checks and measures offline.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "run",
        help="the Telegram bot (console chat without a token)",
        description="Run the Telegram bot: long polling, or webhook mode with BOT_WEBHOOK_URL. Without TELEGRAM_BOT_TOKEN it opens the console chat. Example: TELEGRAM_BOT_TOKEN=... python -m bot run",
    )
    ask = sub.add_parser(
        "ask",
        help="answer questions",
        description='Answer questions. Example: python -m bot ask --json "Was macht der Hessische Jugendring?"  (no QUESTION: one question per stdin line)',
    )
    ask.add_argument("question", nargs="*", help="the question (all words together)")
    ask.add_argument("--json", action="store_true", help="one JSON reply per line")
    ask.add_argument(
        "--lang",
        choices=["de", "en"],
        help="preferred reply language when the question's own is unclear",
    )
    chat = sub.add_parser(
        "chat",
        help="console chat",
        description="Console chat with the same answers as Telegram. Example: python -m bot chat --lang en",
    )
    chat.add_argument("--lang", choices=["de", "en"], help="preferred reply language")
    validate = sub.add_parser(
        "validate",
        help="check the data files",
        description="Check knowledge/ and intents/ and list every problem as file:line:column, then the example questions another entry would answer. Exit 1 on errors, 0 with only warnings. Example: python -m bot validate",
    )
    validate.add_argument(
        "--no-overlaps",
        action="store_true",
        help="skip the overlap check (5-fold cross-validation over all examples)",
    )
    ev = sub.add_parser(
        "eval",
        help="measure answer quality",
        description="Measure top-1 accuracy, MRR and fallbacks on the evaluation table. Example: python -m bot eval --no-cv",
    )
    ev.add_argument(
        "--file",
        type=Path,
        default=DEFAULT_EVAL_FILE,
        help=f"evaluation table (default {DEFAULT_EVAL_FILE})",
    )
    ev.add_argument(
        "--test-file",
        type=Path,
        default=DEFAULT_TEST_FILE,
        help=f"held-out test part, never used for tuning (default {DEFAULT_TEST_FILE})",
    )
    ev.add_argument("--no-cv", action="store_true", help="skip the k-fold cross-validation")
    ev.add_argument(
        "--min-top1",
        type=float,
        default=GATES.top1,
        help=f"quality gate for top-1 accuracy (default {GATES.top1})",
    )
    ev.add_argument(
        "--min-rejection",
        type=float,
        default=GATES.rejection,
        help=f"quality gate for out-of-scope rejection (default {GATES.rejection})",
    )
    sub.add_parser(
        "check",
        help="check configuration, data folder, knowledge, database and (with a token) Telegram",
        description="One line per check; exit 0 when all pass, 1 otherwise (Docker's HEALTHCHECK "
        "uses it). With TELEGRAM_BOT_TOKEN set, Telegram's getMe is asked too. "
        "Example: python -m bot check",
    )
    links = sub.add_parser(
        "links",
        help="deep links (and QR codes) that open the bot on a partner or entry",
        description="Print the t.me deep link of every partner and entry; with --qr, write a QR "
        "code per link (SVG and PNG) and index.html, a sheet to print. "
        "Example: python -m bot links --bot-username IntegrationsvertraegeBot --qr qr",
    )
    links.add_argument(
        "--bot-username", required=True, help="the bot's username (from @BotFather), without @"
    )
    links.add_argument("--qr", type=Path, metavar="DIR", help="write QR codes and index.html here")
    kb = sub.add_parser(
        "kb",
        help="list the loaded entries",
        description="List the loaded knowledge entries. Example: python -m bot kb --json",
    )
    kb.add_argument("--json", action="store_true", help="full entries as JSON")
    report = sub.add_parser(
        "report",
        help="staff report from the question log",
        description="Report unanswered questions (grouped, with a suggested entry and YAML to paste), answers with 👎, the most asked entries and weekly answer rates. Example: python -m bot report --since 30d --format html --out bericht.html",
    )
    report.add_argument(
        "--since",
        default="30d",
        help="period: 30d, 12w, 6m or a date like 2026-01-31 (default 30d)",
    )
    report.add_argument(
        "--format", choices=["html", "md", "csv"], default="md", help="output format (default md)"
    )
    report.add_argument("--out", type=Path, help="write to this file instead of the terminal")
    return parser


def cmd_check(env: Mapping[str, str], out: TextIO) -> int:
    """Run the health checks; print one line each; 0 when all pass, else 1."""
    from bot.health import run_checks

    checks = run_checks(env)
    out.write("".join(check.line() + "\n" for check in checks))
    return 0 if all(check.ok for check in checks) else EXIT_DATA_ERROR


def cmd_links(args: argparse.Namespace, assistant: Assistant, out: TextIO) -> int:
    """Print every partner's and entry's deep link; write QR codes and a sheet with --qr."""
    from bot.links import deep_links, write_qr_codes

    username = args.bot_username.lstrip("@")
    if not BOT_USERNAME.fullmatch(username):
        raise ConfigError(
            f"--bot-username {username!r} is not a Telegram bot username "
            "(5-32 letters, digits or _, ending in 'bot')"
        )
    links = deep_links(assistant.kb, username)
    out.write("".join(f"{item.kind:8}{item.id}: {item.url}\n" for item in links))
    if args.qr is not None:
        try:
            sheet = write_qr_codes(links, args.qr)
        except OSError as exc:
            raise ConfigError(f"cannot write the QR codes to {args.qr}: {exc.strerror}") from None
        out.write(f"{len(links)} QR codes (SVG and PNG) and the sheet to print: {sheet}\n")
    return 0


def cmd_run(config: Config, env: Mapping[str, str], out: TextIO) -> int:
    """Run the Telegram bot with a token, else the console chat (saying so in one line)."""
    if config.token is None:
        sys.stderr.write(
            "TELEGRAM_BOT_TOKEN is not set: starting the console chat instead of Telegram.\n"
        )
        return cmd_chat(argparse.Namespace(lang=None), load_assistant(config), out)
    # The process's own environment, set where the process starts: python-telegram-bot 22
    # warns about int retry_after values unless timedeltas are switched on.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    # Imported late: the console chat and the other commands never load Telegram.
    from bot.tg.runner import run

    run(env)
    return 0


def main(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    out: TextIO | None = None,
) -> int:
    """Run one command and return its exit code; expected problems never show a traceback."""
    args = build_parser().parse_args(argv)
    out = out or sys.stdout
    environ = os.environ if env is None else env
    if args.command == "check":
        # Before reading the configuration: a bad value is one failed check, not an abort.
        return cmd_check(environ, out)
    try:
        return _dispatch(args, Config.from_env(environ), environ, out)
    except ConfigError as exc:
        sys.stderr.write(f"configuration error: {exc}\n")
        return EXIT_CONFIG_ERROR
    except KnowledgeError as exc:
        sys.stderr.write("The knowledge files have errors (run `python -m bot validate`):\n")
        sys.stderr.write("\n".join(str(p) for p in exc.problems if p.severity == "error") + "\n")
        return EXIT_DATA_ERROR


def _dispatch(args: argparse.Namespace, config: Config, env: Mapping[str, str], out: TextIO) -> int:
    """Run the chosen command; ConfigError and KnowledgeError are reported by main."""
    if args.command == "validate":
        return cmd_validate(args, config, out)
    if args.command == "run":
        return cmd_run(config, env, out)
    assistant = load_assistant(config)
    if args.command == "report":
        return cmd_report(args, config, assistant, out)
    commands: dict[str, Callable[[argparse.Namespace, Assistant, TextIO], int]] = {
        "ask": cmd_ask,
        "chat": cmd_chat,
        "eval": cmd_eval,
        "kb": cmd_kb,
        "links": cmd_links,
    }
    return commands[args.command](args, assistant, out)

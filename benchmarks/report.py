"""The benchmark's figures as a markdown page with the goals first."""

from __future__ import annotations

from collections.abc import Sequence

from benchmarks import burst
from benchmarks.goals import goals
from benchmarks.profiling import Profile
from benchmarks.quality import OWN
from benchmarks.result import BenchResult


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Return a markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _quality_section(result: BenchResult) -> list[str]:
    """Tables of section 1, one per task."""
    reps = result.config.latency_reps
    out = [
        "## 1. Matching quality and speed",
        "",
        "Quality of the ranking itself (`Matcher.rank`, not the reply decision with its "
        "thresholds: this P@1 is `python -m bot eval`'s “top-1 of the ranking alone”). "
        "P@1, MRR@10 and Recall@5 (a right target among the first five). Latency per single "
        f"query, `rank(text, 10)` timed with `time.perf_counter_ns` after one warm-up pass, "
        f"{reps} timed pass(es); build = the index built once.",
    ]
    for task in result.tasks:
        rows = [r for r in result.quality if r.task == task.name]
        out += [
            "",
            f"### {task.name}: {task.queries} queries, {task.documents} documents, "
            f"{task.targets} targets",
            "",
            table(
                ["method", "P@1", "MRR@10", "R@5", "p50 ms", "p99 ms", "build ms"],
                [
                    [
                        f"**{r.method}**" if r.project else r.method,
                        f"{r.p1:.3f}",
                        f"{r.mrr10:.3f}",
                        f"{r.recall5:.3f}",
                        f"{r.p50_ms:.3f}",
                        f"{r.p99_ms:.3f}",
                        f"{r.build_ms:.0f}",
                    ]
                    for r in rows
                ],
            ),
        ]
    out += [
        "",
        "- Project eval set: the in-scope questions of `tests/eval/questions.yaml` (out-of-scope "
        "ones have no right target); documents are every title, example question and keyword "
        "line of the entries and intents, exactly those the shipped matcher indexes; targets "
        "are entry and intent ids.",
        "- covid-qa-de, as its README defines it: the distinct positive German `question_1` "
        "strings (de-duplicated lower-cased without punctuation) are the knowledge base, one "
        "entry with that single question each; the distinct positive `question_2` strings are "
        "the queries; right = any positive `question_1` of the query. Question text only. Read "
        "from `../shared/benchmarks/covid-qa-de` at run time.",
        "- Project matcher: `Matcher(documents, SynonymMap(kb.synonyms))` with the shipped "
        "`MatcherSettings`; on covid-qa-de `SynonymMap([])` and one `Document` per FAQ question. "
        "Nothing was tuned on the external queries.",
        "- Baselines score every document and give a target its best document's score (the "
        "same documents as the matcher). Word TF-IDF: `TfidfVectorizer()` defaults. BM25: "
        "`rank_bm25.BM25Okapi` defaults over lower-cased `\\w+` tokens, Snowball German stems. "
        "char_wb: `TfidfVectorizer(analyzer='char_wb', ngram_range=(2, 4), sublinear_tf=True)` "
        "(sublinear tf reproduces the README's char_wb figures exactly).",
    ]
    if result.readme_figures:
        out += [
            "",
            "The covid-qa-de README's own figures, for comparison:",
            "",
            result.readme_figures,
        ]
    return out


def _scaling_section(result: BenchResult) -> list[str]:
    """Table of section 2."""
    return [
        "## 2. Scaling",
        "",
        "Synthetic knowledge bases: the real documents plus N−1 copies of every target (ids "
        "suffixed `~k`), about a quarter of the longer words in each copy changed by one letter "
        "(swap, drop or insert; seeded random), so the vocabulary grows as well. Queries: all "
        f"{result.scaling_queries} eval questions, in and out of scope. Build = `Matcher(...)` "
        "construction (median of "
        f"{result.config.build_reps}, once at 100×); latency per single `rank(text, 10)`.",
        "",
        table(
            ["size", "documents", "targets", "build s", "p50 ms", "p99 ms", "timed queries"],
            [
                [
                    f"{r.factor}×",
                    r.documents,
                    r.targets,
                    f"{r.build_s:.2f}",
                    f"{r.p50_ms:.3f}",
                    f"{r.p99_ms:.3f}",
                    r.samples,
                ]
                for r in result.scaling
            ],
        ),
    ]


def _startup_section(result: BenchResult) -> list[str]:
    """Table of section 3."""
    return [
        "## 3. Start-up and peak memory",
        "",
        "Each command is a fresh process started with `subprocess` from the project folder. "
        "Peak RSS is that child's own `ru_maxrss` from `os.wait4` (the per-child form of "
        "`getrusage(RUSAGE_CHILDREN)`). Import rows are timed until their imports are done; "
        "`ask` from spawn until it exits after printing the answer; the bot from spawn until the stand-in (`tests/botapi_stub.py`, in the "
        "benchmark process) records the `sendMessage` for a message queued before the start, "
        "and its RSS is read after SIGTERM. The rows without a goal are for reference.",
        "",
        table(
            ["command", "runs", "median s", "worst s", "peak RSS MB"],
            [
                [r.name, r.runs, f"{r.median_s:.3f}", f"{r.max_s:.3f}", f"{r.rss_mb:.0f}"]
                for r in result.startup
            ],
        ),
    ]


def _burst_section(result: BenchResult) -> list[str]:
    """Table of section 4."""
    echo = next((r for r in result.burst if r.name == burst.ECHO), None)
    rows = [
        [
            f"**{r.name}**" if r.headline else r.name,
            r.messages,
            r.chats,
            f"{r.seconds:.2f}",
            f"{r.per_second:.0f}",
            f"{r.seconds / echo.seconds:.2f}×" if echo else "",
            r.methods,
            r.extra_replies,
        ]
        for r in result.burst
    ]
    first = result.burst[0] if result.burst else None
    size = (
        f"{first.messages} text messages from {first.chats} private chats" if first else "A burst"
    )
    return [
        "## 4. Cost per update over real HTTP",
        "",
        f"{size} are queued at once in the Bot API stand-in (aiohttp on 127.0.0.1, same process "
        "and event loop as the bot), which each bot long-polls; time from queueing until the "
        "stand-in has one `sendMessage` per message. Each bot answers one warm-up message first. "
        "Texts: eval questions whose answer fits in one message. The real bot is "
        "`tests/tg_harness.running_bot` (BOT_WATCH_KNOWLEDGE=0, fresh SQLite). The bold rows "
        "are the goal's; the other two explain it.",
        "",
        table(
            [
                "bot",
                "messages",
                "chats",
                "time s",
                "messages/s",
                "× echo bot",
                "API requests",
                "extra replies",
            ],
            rows,
        ),
    ]


def _profile_table(profile: Profile, unit: str) -> str:
    """Return a profile's breakdown and hottest functions as one table."""
    return table(
        ["inside", "function", f"calls/{unit}", f"ms/{unit}"],
        [
            [
                line.caller,
                f"`{line.function}`",
                f"{line.calls_per_unit:.1f}",
                f"{line.ms_per_unit:.3f}",
            ]
            for line in (*profile.breakdown, *profile.hottest)
        ],
    )


def _profile_section(result: BenchResult) -> list[str]:
    """Tables of the two cProfile runs."""
    matcher, bot = result.matcher_profile, result.burst_profile
    own_row = next((r for r in result.quality if r.project and r.task == OWN), None)
    unprofiled = f" (unprofiled p50: {own_row.p50_ms:.3f} ms)" if own_row else ""
    return [
        "## Profiles",
        "",
        f"cProfile of `Matcher.rank` over the {matcher.units} eval questions at real size: "
        f"{matcher.root_ms:.3f} ms per query under the profiler{unprofiled}. Direct callees "
        "of `rank` and of `_features` (the query's char and word TF-IDF), then the functions "
        "with the most own time.",
        "",
        _profile_table(matcher, "query"),
        "",
        f"cProfile of one more burst of {bot.units} messages through the real bot with the "
        f"rate limiter switched off (the benchmark process: bot and stand-in): "
        f"{bot.root_ms:.3f} ms of CPU per message inside the `on_text` handler. Coroutine "
        "times count only while running, not while waiting for the network.",
        "",
        _profile_table(bot, "message"),
    ]


def render_markdown(result: BenchResult) -> str:
    """Return the whole benchmarks page."""
    m = result.machine
    mode = (
        "**quick mode** (small sizes for CI; these figures are not the documented ones)"
        if result.config.quick
        else "full mode"
    )
    goal_list = goals(result)
    lines = [
        "# Benchmarks",
        "",
        "<!-- Generated by `make bench` (benchmarks.run_bench); regenerate instead of editing by hand. -->",
        "",
        f"Measured {m.date} on {m.cpu}, {m.cores} cores, Python {m.python} ({m.libraries}); "
        f"{mode}. Every figure below comes from this one run ({result.seconds:.0f} s). "
        f"Load average (1 min) at start {result.load[0]:.2f}, at end {result.load[1]:.2f}: "
        "other processes on this machine compete for its cores, and latencies under load are "
        "pessimistic.",
        "",
        "![Benchmark plots](benchmarks.png)",
        "",
        "## Goals",
        "",
        table(["goal", "measured", "status"], [[g.goal, g.measured, g.status] for g in goal_list]),
    ]
    missed = [g for g in goal_list if g.why]
    if missed:
        lines += ["", "Why the missed goals are missed:", ""]
        lines += [f"- {g.goal}: {g.why}" for g in missed]
    if result.notes:
        lines += ["", *[f"> {note}" for note in result.notes]]
    for section in (
        _quality_section(result),
        _scaling_section(result),
        _startup_section(result),
        _burst_section(result),
        _profile_section(result),
    ):
        lines += ["", *section]
    lines += [
        "",
        "## Regenerating",
        "",
        "`make bench` (`python -m benchmarks --out docs` from a checkout, or "
        "`benchmarks.run_bench(quick, out_dir)`) runs everything once and writes this page and "
        "`benchmarks.png`; quick mode (1× and 2× sizes, a 50-message burst, single runs) "
        "finishes in well under a minute for CI, full mode takes a few minutes. Benchmarks are not timed "
        "tests: `tests/test_bench.py` runs quick mode and checks behaviour and quality gates.",
        "",
    ]
    return "\n".join(lines)

"""The staff report over a real store and the real knowledge base."""

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot.core.assistant import Assistant
from bot.report import Report, ReportInput, build_report, collect, parse_since, render
from bot.report.chart import weekly_chart
from bot.report.clusters import cluster_texts
from bot.report.model import WeekRow
from bot.report.snippets import yaml_string
from bot.report.suggest import NEW_TOPIC
from bot.report.to_csv import HEADER
from bot.storage import QuestionKind, QuestionRecord, Store, user_key

KEY = b"k" * 32
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)  # a Friday in ISO week 12
SINCE = NOW - timedelta(days=30)
WEEK_10 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Mondays of the three seeded weeks
WEEK_11 = WEEK_10 + timedelta(weeks=1)
WEEK_12 = WEEK_10 + timedelta(weeks=2)
DRK_ENTRIES = {"vertrag-drk", "drk-ehrenamt-mitmachen"}
SCRIPT = "<script>alert(1)</script> Pizza bestellen"

EHRENAMT = [
    (WEEK_10, "Ehrenamtspauschale wie viel?"),
    (WEEK_10, "Wie hoch ist die Ehrenamtspauschale?"),
    (WEEK_11, "Steuer Ehrenamt"),
    (WEEK_11, "Muss ich mein Ehrenamt versteuern?"),
    (WEEK_12, "Ehrenamtspauschale Steuererklärung"),
    (WEEK_12, "ehrenamtspauschale 2026 steuerfrei"),
]
EHRENAMT_NONE_OF_THESE = [
    (WEEK_11, "Ehrenamtspauschale Höhe"),
    (WEEK_12, "Steuerfreibetrag Ehrenamt"),
]
# Near an existing entry (joining the DRK), in words its examples do not use.
DRK = [
    (WEEK_10, "Wie kann ich beim DRK mitmachen?"),
    (WEEK_11, "DRK mitmachen als Geflüchteter"),
    (WEEK_11, "beim Roten Kreuz mitmachen wie"),
    (WEEK_12, "DRK mitmachen in Hessen"),
]
UNRELATED = [
    (WEEK_11, SCRIPT),
    (WEEK_12, "Wetter morgen in Kassel"),
    (WEEK_12, "Fußball Ergebnisse Bundesliga"),
]
# (when, kind, lang, matched id): the answered side of the log.
ANSWERED: list[tuple[datetime, QuestionKind, str, str | None]] = [
    (WEEK_10, "faq", "de", "vertrag-drk"),
    (WEEK_10, "faq", "de", "vertrag-drk"),
    (WEEK_10, "intent", "en", "greeting"),
    (WEEK_11, "faq", "de", "vertrag-drk"),
    (WEEK_11, "faq", "de", "vertrag-drk"),
    (WEEK_11, "faq", "en", "integrationsvertrag-was"),
    (WEEK_11, "suggestions", "de", None),
    (WEEK_12, "faq", "de", "vertrag-drk"),
    (WEEK_12, "faq", "de", "integrationsvertrag-was"),
    (WEEK_12, "faq", "de", "integrationsvertrag-was"),
    (WEEK_12, "intent", "en", "greeting"),
]


def record(
    when: datetime,
    kind: QuestionKind,
    n: int,
    *,
    lang: str = "de",
    matched_id: str | None = None,
    text: str | None = None,
) -> QuestionRecord:
    return QuestionRecord(
        asked_at=when + timedelta(minutes=n),
        user_key=user_key(KEY, n),
        lang=lang,
        kind=kind,
        matched_id=matched_id,
        score=0.7 if matched_id else 0.1,
        text=text,
    )


def seed_records() -> list[QuestionRecord]:
    rows = [record(t, "fallback", n, text=q) for n, (t, q) in enumerate(EHRENAMT)]
    rows += [
        record(t, "none_of_these", 10 + n, text=q)
        for n, (t, q) in enumerate(EHRENAMT_NONE_OF_THESE)
    ]
    rows += [record(t, "fallback", 20 + n, text=q) for n, (t, q) in enumerate(DRK + UNRELATED)]
    rows += [
        record(t, kind, 40 + n, lang=lang, matched_id=mid)
        for n, (t, kind, lang, mid) in enumerate(ANSWERED)
    ]
    # Before the period: must not be counted.
    rows.append(record(SINCE - timedelta(days=3), "fallback", 99, text="Ehrenamtspauschale alt"))
    return rows


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "bot.sqlite3")
    yield opened
    await opened.close()


@pytest.fixture
async def seeded(store: Store) -> Store:
    for row in seed_records():
        await store.log_question(row)
    drk_down = ["Was macht das DRK genau?", "Was macht das DRK genau?", "DRK Vertrag Inhalt"]
    for n, text in enumerate(drk_down, 1):
        await store.record_vote(user_key(KEY, n), "vertrag-drk", -1)
        await store.log_downvoted_question(
            user_key(KEY, n), "vertrag-drk", "de", text, asked_at=WEEK_11 + timedelta(hours=n)
        )
    await store.record_vote(user_key(KEY, 7), "vertrag-drk", 1)
    await store.record_vote(user_key(KEY, 8), "integrationsvertrag-was", 1)
    return store


@pytest.fixture
async def report(seeded: Store, assistant: Assistant) -> Report:
    data = await collect(seeded, SINCE)
    return build_report(data, assistant, SINCE, NOW)


def empty_report(assistant: Assistant) -> Report:
    return build_report(ReportInput([], [], []), assistant, SINCE, NOW)


def strip_comments(snippet: str) -> str:
    return "\n".join(line for line in snippet.splitlines() if not line.lstrip().startswith("#"))


# ------------------------------------------------------------------------- clusters


async def test_clusters_come_largest_first_with_their_counts(report: Report) -> None:
    assert [c.size for c in report.clusters] == [8, 4, 1, 1, 1]
    assert [c.number for c in report.clusters] == [1, 2, 3, 4, 5]
    ehrenamt, drk = report.clusters[0], report.clusters[1]
    assert set(ehrenamt.questions) == {q for _, q in EHRENAMT + EHRENAMT_NONE_OF_THESE}
    assert ehrenamt.none_of_these == 2
    assert set(drk.questions) == {q for _, q in DRK}
    assert {c.questions[0] for c in report.clusters[2:]} == {q for _, q in UNRELATED}
    assert "Ehrenamtspauschale alt" not in {q for c in report.clusters for q in c.questions}


async def test_examples_are_at_most_five_and_distinct(report: Report) -> None:
    ehrenamt = report.clusters[0]
    assert len(ehrenamt.examples) == 5
    assert len({e.casefold() for e in ehrenamt.examples}) == 5
    assert set(ehrenamt.examples) <= set(ehrenamt.questions)


async def test_drk_cluster_suggests_a_drk_entry_with_a_pasteable_snippet(
    report: Report, assistant: Assistant
) -> None:
    drk = report.clusters[1].suggestion
    assert drk.entry_id in DRK_ENTRIES
    assert drk.score >= assistant.settings.suggest_threshold * 0.75
    entry = assistant.kb.entries[drk.entry_id]
    assert (
        drk.text
        == f"Füge diese Fragen als Beispiele zu Eintrag {entry.id} (Datei {entry.file}) hinzu."
    )
    assert entry.file in drk.yaml and entry.id in drk.yaml
    assert drk.yaml.splitlines()[0].startswith("#")
    parsed = yaml.safe_load(strip_comments(drk.yaml))
    assert parsed == list(report.clusters[1].examples)
    assert all(isinstance(q, str) for q in parsed)
    # Indented like the items of a "questions:" list in the knowledge files.
    assert all(line.startswith('        - "') for line in strip_comments(drk.yaml).splitlines())


async def test_unrelated_questions_look_like_new_topics(report: Report) -> None:
    for cluster in report.clusters[2:]:
        s = cluster.suggestion
        assert s.entry_id is None
        assert s.text == NEW_TOPIC == "Sieht nach einem neuen Thema aus."
        [skeleton] = yaml.safe_load(s.yaml)
        assert skeleton["id"] == f"neues-thema-{cluster.number}"
        assert skeleton["sources"] == ["TODO"]
        assert skeleton["de"] == {
            "title": "TODO",
            "questions": list(cluster.examples),
            "answer": "TODO",
        }


def test_clustering_handles_no_and_one_question() -> None:
    assert cluster_texts([]) == []
    assert cluster_texts(["Pizza bestellen"]) == [[0]]
    assert cluster_texts(["Pizza", "pizza ", "?"]) == [[0, 1], [2]]


def test_a_single_unanswered_question_makes_one_cluster(assistant: Assistant) -> None:
    data = ReportInput([record(WEEK_11, "fallback", 1, text="Pizza bestellen")], [], [])
    built = build_report(data, assistant, SINCE, NOW)
    [cluster] = built.clusters
    assert (cluster.number, cluster.size, cluster.examples) == (1, 1, ("Pizza bestellen",))


# ------------------------------------------------------------------ votes and entries


async def test_downvoted_answers_list_their_questions(report: Report) -> None:
    [entry] = report.downvoted
    assert (entry.entry_id, entry.down, entry.up) == ("vertrag-drk", 3, 1)
    assert entry.title
    assert entry.questions == ("Was macht das DRK genau?", "DRK Vertrag Inhalt")


async def test_most_asked_entries_with_german_titles(report: Report, assistant: Assistant) -> None:
    top = [(e.target_id, e.kind, e.count) for e in report.top_entries]
    assert top == [
        ("vertrag-drk", "faq", 5),
        ("integrationsvertrag-was", "faq", 3),
        ("greeting", "intent", 2),
    ]
    assert report.top_entries[0].title == assistant.kb.entries["vertrag-drk"].texts["de"].title
    assert report.top_entries[2].title is None


# ---------------------------------------------------------------------- totals, weeks


async def test_totals(report: Report) -> None:
    t = report.totals
    assert (t.questions, t.answered, t.suggestions, t.fallbacks, t.none_of_these) == (
        26,
        10,
        1,
        13,
        2,
    )
    assert (t.votes_up, t.votes_down) == (2, 3)
    assert report.languages == (("de", 23), ("en", 3))


async def test_weekly_rows_count_and_rate(report: Report) -> None:
    rows = {(w.year, w.week): w for w in report.weeks}
    assert sorted(rows) == [(2026, 8), (2026, 9), (2026, 10), (2026, 11), (2026, 12)]
    assert rows[(2026, 8)].monday == date(2026, 2, 16)
    assert rows[(2026, 8)].questions == 0 and rows[(2026, 8)].answer_rate is None
    figures = {k: (w.questions, w.answered, w.fallbacks) for k, w in rows.items() if w.questions}
    assert figures == {(2026, 10): (6, 3, 3), (2026, 11): (10, 3, 5), (2026, 12): (10, 4, 5)}
    assert rows[(2026, 10)].answer_rate == pytest.approx(0.5)
    assert rows[(2026, 11)].fallback_rate == pytest.approx(0.5)
    assert rows[(2026, 12)].answer_rate == pytest.approx(0.4)
    assert rows[(2026, 10)].languages == (("de", 5), ("en", 1))


def test_weeks_follow_the_time_zone_of_since(assistant: Assistant) -> None:
    berlin_winter = timezone(timedelta(hours=1))
    sunday_night_utc = datetime(2026, 3, 8, 23, 30, tzinfo=UTC)  # Monday 00:30 at UTC+1
    data = ReportInput([record(sunday_night_utc, "fallback", 0, text="x")], [], [])
    local = build_report(data, assistant, SINCE.astimezone(berlin_winter), NOW)
    in_utc = build_report(data, assistant, SINCE, NOW)
    assert [w.week for w in local.weeks if w.questions] == [11]
    assert [w.week for w in in_utc.weeks if w.questions] == [10]


def test_period_must_not_end_before_it_starts(assistant: Assistant) -> None:
    with pytest.raises(ValueError, match="after it ends"):
        build_report(ReportInput([], [], []), assistant, NOW, SINCE)


# ------------------------------------------------------------------------- rendering


async def test_html_is_self_contained_and_escaped(report: Report) -> None:
    page = render(report, "html")
    assert page.startswith("<!DOCTYPE html>")
    assert "<svg" in page and "<rect" in page and "<polyline" in page
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page and "<link" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Pizza bestellen" in page
    assert "Fragen ohne passende Antwort" in page and "Antworten mit 👎" in page
    assert "Sieht nach einem neuen Thema aus." in page
    assert "Was macht das DRK genau?" in page


async def test_markdown_has_sections_tables_and_yaml_blocks(report: Report) -> None:
    text = render(report, "md")
    assert text.startswith("# Bericht")
    assert "## Fragen ohne passende Antwort" in text
    assert "### Gruppe 1: 8 Fragen (davon 2 × „Nichts davon“)" in text
    assert text.count("```yaml") == 5
    assert "| Woche | ab Montag | Fragen | beantwortet | ohne Antwort | Sprachen |" in text
    assert "| KW 11/2026 | 09.03.2026 | 10 | 30 % | 50 % | Deutsch 9, Englisch 1 |" in text
    assert "\\<script\\>alert(1)\\</script\\> Pizza bestellen" in text
    # Raw user text appears only inside code blocks, where Markdown shows it literally.
    assert "<script>" not in "".join(text.split("```")[0::2])


async def test_csv_has_one_row_per_clustered_question(report: Report) -> None:
    rows = list(csv.reader(io.StringIO(render(report, "csv"))))
    assert tuple(rows[0]) == HEADER
    body = rows[1:]
    assert len(body) == 8 + 4 + 3
    assert {r[0] for r in body[:8]} == {"1"} and {r[1] for r in body[:8]} == {"8"}
    drk_rows = [r for r in body if r[0] == "2"]
    assert len(drk_rows) == 4 and {r[3] for r in drk_rows} <= DRK_ENTRIES
    assert all(r[3] == "" and r[4] == NEW_TOPIC for r in body[12:])
    assert SCRIPT in {r[2] for r in body}


def test_csv_cells_never_start_a_formula(assistant: Assistant) -> None:
    data = ReportInput([record(WEEK_11, "fallback", 1, text="=HYPERLINK(1)")], [], [])
    rows = list(csv.reader(io.StringIO(render(build_report(data, assistant, SINCE, NOW), "csv"))))
    assert rows[1][2] == "'=HYPERLINK(1)"


@pytest.mark.parametrize("fmt", ["html", "md", "csv"])
def test_empty_log_says_so_in_every_format(assistant: Assistant, fmt: str) -> None:
    text = render(empty_report(assistant), fmt)
    assert "Im Zeitraum 18.02.2026 bis 20.03.2026 wurden keine Fragen gespeichert." in text


async def test_empty_store_gives_the_friendly_sentence(store: Store, assistant: Assistant) -> None:
    built = build_report(await collect(store, SINCE), assistant, SINCE, NOW)
    assert built.empty and built.clusters == () and built.weeks[0].questions == 0
    assert "wurden keine Fragen gespeichert" in render(built, "md")


def test_render_rejects_unknown_formats(assistant: Assistant) -> None:
    with pytest.raises(ValueError, match="html, md, csv"):
        render(empty_report(assistant), "pdf")


async def test_report_is_deterministic(seeded: Store, assistant: Assistant) -> None:
    data = await collect(seeded, SINCE)
    first, second = (build_report(data, assistant, SINCE, NOW) for _ in range(2))
    assert first == second
    assert all(render(first, f) == render(second, f) for f in ("html", "md", "csv"))


def test_chart_handles_weeks_without_questions() -> None:
    weeks = [
        WeekRow(2026, 10, date(2026, 3, 2), 4, 2, 2, (("de", 4),)),
        WeekRow(2026, 11, date(2026, 3, 9), 0, 0, 0, ()),
        WeekRow(2026, 12, date(2026, 3, 16), 7, 7, 0, (("en", 7),)),
    ]
    svg = weekly_chart(weeks)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<circle") == 2 and "<polyline" not in svg
    assert weekly_chart([]).startswith("<svg")


# ----------------------------------------------------------------------- parse_since


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30d", NOW - timedelta(days=30)),
        ("12w", NOW - timedelta(weeks=12)),
        ("6m", NOW - timedelta(days=180)),
        (" 6M ", NOW - timedelta(days=180)),
        ("2026-01-31", datetime(2026, 1, 31, tzinfo=UTC)),
    ],
)
def test_parse_since(text: str, expected: datetime) -> None:
    assert parse_since(text, NOW) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "invalid period 'abc'"),
        ("", "invalid period"),
        ("0d", "at least 1"),
        ("-5d", "invalid period"),
        ("30", "invalid period"),
        ("2026-02-30", "no such day"),
        ("2026-12-01", "future"),
        ("999999m", "too far"),
    ],
)
def test_parse_since_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_since(text, NOW)


# ----------------------------------------------------------------------- YAML quoting


@given(st.text(max_size=80))
def test_yaml_strings_read_back_unchanged(text: str) -> None:
    parsed: Any = yaml.safe_load("- " + yaml_string(text))
    assert parsed == [text]

"""The report as Markdown: headings, lists, tables and YAML blocks."""

from __future__ import annotations

import re

from bot.report import wording as w
from bot.report.model import Cluster, Report
from bot.report.period import german_date

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")
_BACKTICKS = re.compile(r"`+")


def md(text: str) -> str:
    """Escape text for Markdown so user input shows as typed (one line, no markup, no HTML)."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def fenced(code: str, lang: str) -> list[str]:
    """Return a fenced code block whose fence is longer than any backtick run in the code."""
    longest = max((len(run) for run in _BACKTICKS.findall(code)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{lang}", code, fence]


def render_markdown(report: Report) -> str:
    """Return the whole report as Markdown."""
    out = [f"# {w.TITLE}", "", md(w.headline(report)), ""]
    if report.empty:
        out += [f"**{md(w.empty_sentence(report))}**", ""]
        if report.downvoted:
            out += _downvoted(report)
        return "\n".join(out)
    out += [f"- {md(line)}" for line in w.summary(report)]
    out += ["", f"_{md(w.PRIVACY_NOTE)}_", ""]
    out += _clusters(report) + _downvoted(report) + _top(report) + _weeks(report)
    return "\n".join(out)


def _clusters(report: Report) -> list[str]:
    """Return the section with the groups of unanswered questions."""
    out = ["## Fragen ohne passende Antwort", "", md(w.CLUSTERS_INTRO), ""]
    if not report.clusters:
        return [*out, md(w.NO_CLUSTERS), ""]
    for cluster in report.clusters:
        out += _cluster(cluster)
    return out


def _cluster(cluster: Cluster) -> list[str]:
    """Return one group: heading, examples, advice and the YAML snippet."""
    s = cluster.suggestion
    if s.entry_id:
        detail = f"Eintrag „{s.nearest_title}“ (Ähnlichkeit {w.decimal(s.score)})."
    else:
        detail = w.nearest_note(s.nearest_id, s.nearest_title, s.score)
    return [
        f"### {md(w.cluster_heading(cluster.number, cluster.size, cluster.none_of_these))}",
        "",
        *(f"- {md(text)}" for text in cluster.examples),
        "",
        f"**{md(s.text)}** {md(detail)}",
        "",
        *fenced(s.yaml, "yaml"),
        "",
    ]


def _downvoted(report: Report) -> list[str]:
    """Return the section with the answers that got 👎."""
    out = ["## Antworten mit 👎", ""]
    if not report.downvoted:
        return [*out, md(w.NO_DOWNVOTES), ""]
    out += [md(w.DOWNVOTED_INTRO), ""]
    for entry in report.downvoted:
        title = f" „{entry.title}“" if entry.title else ""
        out += [f"### {md(entry.entry_id + title)}: 👎 {entry.down}, 👍 {entry.up}", ""]
        if entry.questions:
            out += [f"- {md(q)}" for q in entry.questions]
        else:
            out.append("Keine Fragen dazu gespeichert.")
        out.append("")
    return out


def _top(report: Report) -> list[str]:
    """Return the table of the most asked entries."""
    out = ["## Meistgefragte Einträge", ""]
    if not report.top_entries:
        return [*out, md(w.NO_TOP), ""]
    out += [md(w.TOP_INTRO), "", "| Platz | Eintrag | Id | Fragen |", "|---:|---|---|---:|"]
    for rank, entry in enumerate(report.top_entries, 1):
        out.append(f"| {rank} | {md(w.top_label(entry))} | {md(entry.target_id)} | {entry.count} |")
    return [*out, ""]


def _weeks(report: Report) -> list[str]:
    """Return the table of figures per week."""
    out = [
        "## Zahlen pro Woche",
        "",
        md(w.WEEKS_INTRO),
        "",
        "| Woche | ab Montag | Fragen | beantwortet | ohne Antwort | Sprachen |",
        "|---|---|---:|---:|---:|---|",
    ]
    for week in report.weeks:
        out.append(
            f"| KW {week.week:02d}/{week.year} | {german_date(week.monday)} | {week.questions} "
            f"| {w.percent(week.answer_rate)} | {w.percent(week.fallback_rate)} "
            f"| {md(w.languages(week.languages))} |"
        )
    return [*out, ""]

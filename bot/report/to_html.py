"""The report as one self-contained HTML page (inline CSS and SVG, no external files)."""

from __future__ import annotations

from html import escape

from bot.report import wording as w
from bot.report.chart import weekly_chart
from bot.report.model import Cluster, Report
from bot.report.period import german_date

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       color: #222; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.25rem; border-bottom: 2px solid #e4e4e4; padding-bottom: .2rem; margin-top: 2.2rem; }
h3 { font-size: 1.05rem; margin: 0 0 .4rem; }
.headline { font-size: 1.1rem; }
.note, .muted { color: #666; font-size: .9rem; }
.summary { display: flex; flex-wrap: wrap; gap: .5rem; padding: 0; list-style: none; }
.summary li { background: #f3f6fa; border-radius: .4rem; padding: .3rem .7rem; }
.chart { width: 100%; height: auto; max-width: 720px; }
.cluster { border: 1px solid #e4e4e4; border-left: 5px solid #8fb3de; border-radius: .4rem;
           padding: .8rem 1rem; margin: 1rem 0; }
.cluster.new { border-left-color: #e0a526; }
.advice { font-weight: 600; }
pre { background: #f6f6f6; padding: .6rem .8rem; border-radius: .3rem; overflow-x: auto;
      user-select: all; font-size: .85rem; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { border-bottom: 1px solid #e4e4e4; padding: .3rem .7rem; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; }
@media print { .cluster { break-inside: avoid; } pre { user-select: text; } }
"""


def render_html(report: Report) -> str:
    """Return the whole report as an HTML document."""
    body = [f"<h1>{escape(w.TITLE)}</h1>", f'<p class="headline">{escape(w.headline(report))}</p>']
    if report.empty:
        body.append(f'<p class="empty"><strong>{escape(w.empty_sentence(report))}</strong></p>')
        if report.downvoted:
            body += _downvoted(report)
    else:
        body += [
            '<ul class="summary">',
            *(f"<li>{escape(line)}</li>" for line in w.summary(report)),
            "</ul>",
            weekly_chart(report.weeks),
            f'<p class="note">{escape(w.PRIVACY_NOTE)}</p>',
            *_clusters(report),
            *_downvoted(report),
            *_top(report),
            *_weeks(report),
        ]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="de">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(w.TITLE)} – {escape(w.period(report))}</title>",
            f"<style>{STYLE}</style>",
            "</head>",
            "<body>",
            *body,
            "</body>",
            "</html>",
            "",
        ]
    )


def _clusters(report: Report) -> list[str]:
    """Return the section with the groups of unanswered questions."""
    out = ["<h2>Fragen ohne passende Antwort</h2>", f"<p>{escape(w.CLUSTERS_INTRO)}</p>"]
    if not report.clusters:
        return [*out, f'<p class="muted">{escape(w.NO_CLUSTERS)}</p>']
    for cluster in report.clusters:
        out += _cluster(cluster)
    return out


def _cluster(cluster: Cluster) -> list[str]:
    """Return one group: heading, examples, advice and the YAML snippet."""
    s = cluster.suggestion
    kind = "existing" if s.entry_id else "new"
    if s.entry_id:
        detail = f"Eintrag „{s.nearest_title}“ (Ähnlichkeit {w.decimal(s.score)})."
    else:
        detail = w.nearest_note(s.nearest_id, s.nearest_title, s.score)
    return [
        f'<section class="cluster {kind}">',
        f"<h3>{escape(w.cluster_heading(cluster.number, cluster.size, cluster.none_of_these))}</h3>",
        "<ul>",
        *(f"<li>{escape(text)}</li>" for text in cluster.examples),
        "</ul>",
        f'<p class="advice">{escape(s.text)}</p>',
        f'<p class="muted">{escape(detail)}</p>',
        "<p>Zum Einfügen (ein Klick markiert alles):</p>",
        f'<pre class="yaml"><code>{escape(s.yaml)}</code></pre>',
        "</section>",
    ]


def _downvoted(report: Report) -> list[str]:
    """Return the section with the answers that got 👎."""
    out = ["<h2>Antworten mit 👎</h2>"]
    if not report.downvoted:
        return [*out, f'<p class="muted">{escape(w.NO_DOWNVOTES)}</p>']
    out.append(f"<p>{escape(w.DOWNVOTED_INTRO)}</p>")
    for entry in report.downvoted:
        title = f" „{entry.title}“" if entry.title else ""
        out.append(f"<h3>{escape(entry.entry_id + title)}: 👎 {entry.down}, 👍 {entry.up}</h3>")
        if entry.questions:
            out += ["<p>Gestellte Fragen:</p>", "<ul>"]
            out += [f"<li>{escape(q)}</li>" for q in entry.questions]
            out.append("</ul>")
        else:
            out.append('<p class="muted">Keine Fragen dazu gespeichert.</p>')
    return out


def _top(report: Report) -> list[str]:
    """Return the table of the most asked entries."""
    out = ["<h2>Meistgefragte Einträge</h2>"]
    if not report.top_entries:
        return [*out, f'<p class="muted">{escape(w.NO_TOP)}</p>']
    out += [
        f"<p>{escape(w.TOP_INTRO)}</p>",
        "<table>",
        '<tr><th class="num">Platz</th><th>Eintrag</th><th>Id</th><th class="num">Fragen</th></tr>',
    ]
    for rank, entry in enumerate(report.top_entries, 1):
        out.append(
            f'<tr><td class="num">{rank}</td><td>{escape(w.top_label(entry))}</td>'
            f'<td>{escape(entry.target_id)}</td><td class="num">{entry.count}</td></tr>'
        )
    out.append("</table>")
    return out


def _weeks(report: Report) -> list[str]:
    """Return the table of figures per week."""
    out = [
        "<h2>Zahlen pro Woche</h2>",
        f"<p>{escape(w.WEEKS_INTRO)}</p>",
        "<table>",
        '<tr><th>Woche</th><th>ab Montag</th><th class="num">Fragen</th>'
        '<th class="num">beantwortet</th><th class="num">ohne Antwort</th><th>Sprachen</th></tr>',
    ]
    for week in report.weeks:
        out.append(
            f"<tr><td>KW {week.week:02d}/{week.year}</td><td>{german_date(week.monday)}</td>"
            f'<td class="num">{week.questions}</td>'
            f'<td class="num">{escape(w.percent(week.answer_rate))}</td>'
            f'<td class="num">{escape(w.percent(week.fallback_rate))}</td>'
            f"<td>{escape(w.languages(week.languages))}</td></tr>"
        )
    out.append("</table>")
    return out

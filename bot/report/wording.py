"""The report's German wording, shared by every format."""

from __future__ import annotations

from bot.report.model import Report, TopEntry
from bot.report.period import german_date

TITLE = "Bericht: Fragen an den Integrationsverträge-Bot"
LANGUAGE_NAMES = {"de": "Deutsch", "en": "Englisch"}
KIND_NAMES = {"faq": "Eintrag", "intent": "Gesprächsbaustein"}
PRIVACY_NOTE = (
    "Der Wortlaut wird nur bei Fragen ohne Antwort und bei 👎 gespeichert. "
    "E-Mail-Adressen, IBANs und Telefonnummern sind darin unkenntlich gemacht."
)
CLUSTERS_INTRO = (
    "Diese Fragen konnte der Bot nicht beantworten, oder es wurde „Nichts davon“ geklickt. "
    "Ähnliche Fragen sind zu Gruppen zusammengefasst, die größte zuerst."
)
NO_CLUSTERS = "Im Zeitraum gab es keine Fragen ohne passende Antwort."
DOWNVOTED_INTRO = "Diese Antworten fanden Nutzerinnen und Nutzer nicht hilfreich (👎)."
NO_DOWNVOTES = "Im Zeitraum gab es keine 👎-Bewertungen."
TOP_INTRO = "Diese Einträge haben am häufigsten direkt geantwortet."
NO_TOP = "Im Zeitraum wurde keine Frage direkt beantwortet."
WEEKS_INTRO = (
    "Pro Kalenderwoche (Montag bis Sonntag): Anzahl der Fragen, Anteil direkt beantwortet "
    "und Anteil ohne Antwort."
)


def period(report: Report) -> str:
    """Return the period as "01.01.2026 bis 31.01.2026"."""
    zone = report.since.tzinfo
    return f"{german_date(report.since.date())} bis {german_date(report.until.astimezone(zone).date())}"


def empty_sentence(report: Report) -> str:
    """Return the friendly sentence for a period without questions."""
    return f"Im Zeitraum {period(report)} wurden keine Fragen gespeichert."


def percent(rate: float | None) -> str:
    """Format a share as German percent, e.g. "83 %"; "–" when there is nothing to divide."""
    return "–" if rate is None else f"{round(rate * 100)} %"


def languages(counts: tuple[tuple[str, int], ...]) -> str:
    """Return language counts as "Deutsch 12, Englisch 3"."""
    return ", ".join(f"{LANGUAGE_NAMES.get(lang, lang)} {n}" for lang, n in counts) or "–"


def summary(report: Report) -> list[str]:
    """Return the period's totals as short German lines."""
    totals = report.totals
    return [
        f"Fragen insgesamt: {totals.questions}",
        f"Direkt beantwortet: {totals.answered} ({percent(totals.answer_rate)})",
        f"Mit Vorschlägen beantwortet: {totals.suggestions}",
        f"Ohne Antwort: {totals.fallbacks}",
        f"„Nichts davon“ geklickt: {totals.none_of_these}",
        f"Bewertungen: 👍 {totals.votes_up}, 👎 {totals.votes_down}",
        f"Sprachen: {languages(report.languages)}",
    ]


def headline(report: Report) -> str:
    """Return the one-line header: period and totals."""
    t = report.totals
    return (
        f"Zeitraum {period(report)}: {t.questions} Fragen, davon {t.answered} direkt "
        f"beantwortet ({percent(t.answer_rate)}) und {t.fallbacks} ohne Antwort."
    )


def cluster_heading(number: int, size: int, none_of_these: int) -> str:
    """Return a group's heading, e.g. "Gruppe 1: 8 Fragen (2 × „Nichts davon“)"."""
    noun = "Frage" if size == 1 else "Fragen"
    extra = f" (davon {none_of_these} × „Nichts davon“)" if none_of_these else ""
    return f"Gruppe {number}: {size} {noun}{extra}"


def nearest_note(entry_id: str | None, title: str, score: float) -> str:
    """Return which existing entry came closest, for a group that looks like a new topic."""
    if entry_id is None:
        return "Kein vorhandener Eintrag ist ähnlich."
    return f"Am ähnlichsten, aber nur schwach: {entry_id} „{title}“ (Ähnlichkeit {decimal(score)})."


def top_label(entry: TopEntry) -> str:
    """Return how a top entry is named: its German title, or its kind for intents."""
    return entry.title or KIND_NAMES.get(entry.kind, entry.kind)


def decimal(value: float) -> str:
    """Format a score with two decimals and a German comma, e.g. "0,42"."""
    return f"{value:.2f}".replace(".", ",")

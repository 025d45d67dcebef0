"""The answering core through its one API: direct answers, suggestions, fallbacks, languages."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.core.assistant import Assistant

JUGENDRING_URL = "https://www.hessischer-jugendring.de"


def test_jugendring_question_gets_direct_answer_with_link(assistant: Assistant) -> None:
    reply = assistant.answer("Was macht der Hessische Jugendring?")
    assert reply.kind == "faq"
    assert "Jugendring" in reply.text
    assert JUGENDRING_URL in [link.url for link in reply.links]
    assert reply.lang == "de"


@pytest.mark.parametrize(
    "spelling",
    [
        "Was sind Integrationsverträge?",
        "was sind integrationsvertraege",
        "was sind integrationsvertrage",
    ],
)
def test_umlaut_spellings_get_the_same_answer(assistant: Assistant, spelling: str) -> None:
    assert assistant.answer(spelling).id == assistant.answer("Was sind Integrationsverträge?").id


def test_english_question_gets_english_answer(assistant: Assistant) -> None:
    reply = assistant.answer("What does the Hessischer Jugendring do?", lang="de")
    assert reply.lang == "en"
    assert reply.kind == "faq"


def test_unclear_language_uses_saved_then_client_language(assistant: Assistant) -> None:
    assert assistant.answer("DRK", lang="en").lang == "en"
    assert assistant.answer("DRK", client_lang="en-GB").lang == "en"
    assert assistant.answer("DRK").lang == "de"


def test_out_of_scope_gets_honest_fallback_with_partner_links(assistant: Assistant) -> None:
    reply = assistant.answer("Wer wird deutscher Meister im Fußball?")
    assert reply.kind == "fallback"
    assert reply.id is None
    assert len(reply.links) >= 4
    assert "Integrationsvertr" in reply.text


def test_danger_answers_with_police_first(assistant: Assistant) -> None:
    reply = assistant.answer("ich werde bedroht und hab angst")
    assert reply.kind == "intent" and reply.id == "danger"
    assert reply.text.index("110") < reply.text.find("response") or "response" not in reply.text


def test_contacts_intent_lists_all_partners(assistant: Assistant) -> None:
    reply = assistant.answer("kontakte bitte")
    assert reply.id == "contacts"
    urls = {link.url for link in reply.links}
    assert {p.url for p in assistant.kb.partners.values()} <= urls


def test_suggestions_are_at_most_three_entries(assistant: Assistant) -> None:
    # Scan the evaluation-independent sample of short keyword questions for any suggestion reply.
    replies = [
        assistant.answer(q) for q in ("vertrag", "jugend", "hilfe beratung", "verband", "projekt")
    ]
    for reply in replies:
        assert len(reply.suggestions) <= 3
        if reply.kind == "suggestions":
            assert all(s.id in assistant.kb.entries for s in reply.suggestions)
            assert all(s.question for s in reply.suggestions)


def test_entry_reply_for_button_press(assistant: Assistant) -> None:
    reply = assistant.entry_reply("vertrag-drk", "en")
    assert reply.kind == "faq" and reply.lang == "en"
    assert "https://www.drk-hessen.de" in [link.url for link in reply.links]


def test_related_ids_resolve_to_titles(assistant: Assistant) -> None:
    for entry_id in assistant.kb.entries:
        reply = assistant.entry_reply(entry_id, "de")
        assert len(reply.related) <= 3
        assert all(r.question for r in reply.related)


def test_operator_placeholder_is_filled(assistant: Assistant) -> None:
    for entry_id in assistant.kb.entries:
        for lang in ("de", "en"):
            text = assistant.entry_reply(entry_id, lang).text
            assert "{operator}" not in text and "{retention_days}" not in text


BAD_INPUTS = [
    "",
    "   \n\t ",
    "😀😀😀",
    "a" * 10_000,
    "Jugendring " * 2000,
    "\x00\x01\x02\x1b[31m",
    "\u202eرسالة باللغة العربية\u202c",
    "<b>Hallo</b> <script>alert(1)</script>",
    "**fett** _kursiv_ [link](https://example.com)",
    "'; DROP TABLE questions; --",
    "\ud83d",
]


@pytest.mark.parametrize("text", BAD_INPUTS)
def test_bad_input_gets_a_proper_reply(assistant: Assistant, text: str) -> None:
    reply = assistant.answer(text)
    assert reply.text.strip()
    assert reply.kind in ("faq", "intent", "suggestions", "fallback")


def test_json_contract_shape(assistant: Assistant) -> None:
    data = assistant.answer("Was macht der Hessische Jugendring?").to_json_dict()
    assert set(data) >= {"kind", "id", "score", "lang", "text", "links", "suggestions"}
    links = data["links"]
    assert isinstance(links, list)
    assert all(set(link) == {"title", "url"} for link in links)


def test_core_imports_no_telegram_or_database() -> None:
    code = (
        "import sys, bot.core.assistant, bot.core.evaluation, bot.core.loader;"
        "bad = [m for m in ('telegram', 'aiosqlite', 'sqlite3') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr

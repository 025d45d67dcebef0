"""The answering core through its one API: direct answers, suggestions, fallbacks, languages."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.core.assistant import Assistant
from bot.core.matcher import Candidate
from bot.core.model import Target
from tests.conftest import CODES, INTENTS, KNOWLEDGE, LANGUAGES, TRANSLATED

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
    assert reply.text.index("110") < reply.text.index("112") < reply.text.index("response.")


def test_contacts_intent_lists_all_partners(assistant: Assistant) -> None:
    reply = assistant.answer("kontakte bitte")
    assert reply.id == "contacts"
    urls = {link.url for link in reply.links}
    assert {p.url for p in assistant.kb.partners.values()} <= urls


# Short, vague questions that get "did you mean" suggestions today; the first four have more
# than three likely entries, so the cap at three is really applied.
SUGGESTION_QUESTIONS = ("bedeutung", "counselling", "website", "verträge", "familie", "verein")


def test_suggestions_are_the_best_three_likely_entries(assistant: Assistant) -> None:
    settings = assistant.settings
    between = (settings.answer_threshold + settings.suggest_threshold) / 2
    ids = sorted(assistant.kb.entries)[:5]
    close = [Candidate(Target("faq", i), between - 0.005 * n) for n, i in enumerate(ids)]
    for lone_word in (False, True):
        reply = assistant.decide(close, "de", lone_word=lone_word)
        assert reply.kind == "suggestions"
        assert [s.id for s in reply.suggestions] == ids[:3]


def test_real_suggestions_are_few_distinct_and_titled(assistant: Assistant) -> None:
    replies = {q: assistant.answer(q) for q in SUGGESTION_QUESTIONS}
    suggesting = {q: r for q, r in replies.items() if r.kind == "suggestions"}
    assert len(suggesting) >= 4, {q: r.kind for q, r in replies.items()}
    for question, reply in suggesting.items():
        ids = [s.id for s in reply.suggestions]
        assert 1 <= len(ids) <= 3 and len(set(ids)) == len(ids), question
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


@pytest.mark.parametrize("lang", CODES)
def test_texts_about_languages_name_every_configured_language(
    assistant: Assistant, lang: str
) -> None:
    names = [language.name for language in assistant.kb.languages]
    assert names == [language["name"] for language in LANGUAGES]
    assert len(names) == 8
    intent = assistant.kb.intents["language"]
    texts = [assistant.intent_reply("language", lang).text]
    texts += [assistant.kb.message(key, lang) for key in ("language_choose", "welcome")]
    assert len(intent.texts[lang].replies) >= 1
    for text in texts:
        assert "{languages}" not in text
        assert all(name in text for name in names), text


@pytest.mark.parametrize("text", ["hallo", "ok", "👍", "DRK", "110"])
@pytest.mark.parametrize("saved", CODES)
def test_short_messages_keep_the_chats_language(
    assistant: Assistant, text: str, saved: str
) -> None:
    assert assistant.answer(text, lang=saved).lang == saved


def test_a_longer_message_is_answered_in_its_own_language(assistant: Assistant) -> None:
    assert assistant.answer("kizilhac sozlesmesi ne hakkinda", lang="de").lang == "tr"
    assert assistant.answer("ما هو عقد الاندماج", lang="tr").lang == "ar"
    assert assistant.answer("What does the Jugendring do?", lang="ar").lang == "en"


# Input with nothing in it to answer: the honest fallback, never a guess.
NOISE_INPUTS = [
    "",
    "   \n\t ",
    "😀😀😀",
    "a" * 10_000,
    "\x00\x01\x02\x1b[31m",
    "**fett** _kursiv_ [link](https://example.com)",
    "\ud83d",
]


@pytest.mark.parametrize("text", NOISE_INPUTS)
def test_noise_gets_the_fallback(assistant: Assistant, text: str) -> None:
    reply = assistant.answer(text)
    assert (reply.kind, reply.id) == ("fallback", None)
    assert reply.text.strip() and reply.links
    # The reply can be sent as it is: nothing of the input leaks in, it encodes as UTF-8.
    json.dumps(reply.to_json_dict(), ensure_ascii=False).encode("utf-8")


def test_arabic_inside_direction_overrides_is_read_as_arabic(assistant: Assistant) -> None:
    wrapped, plain = "\u202eهل تتكلم العربية\u202c", "هل تتكلم العربية"
    reply, expected = assistant.answer(wrapped), assistant.answer(plain)
    assert (reply.kind, reply.id, reply.lang) == (expected.kind, expected.id, "ar")


# Real words inside repetition, markup or an injection attempt: read like the plain words.
@pytest.mark.parametrize(
    ("text", "plain", "kind"),
    [
        ("Jugendring " * 2000, "Jugendring", "faq"),
        ("<b>Hallo</b> <script>alert(1)</script>", "hallo", "intent"),
        ("'; DROP TABLE questions; --", "drop table questions", None),
    ],
)
def test_wrapped_words_are_read_like_plain_words(
    assistant: Assistant, text: str, plain: str, kind: str | None
) -> None:
    reply, expected = assistant.answer(text), assistant.answer(plain)
    assert (reply.kind, reply.id, reply.lang) == (expected.kind, expected.id, expected.lang)
    assert reply.text.strip()
    if kind is not None:
        assert reply.kind == kind


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


def test_a_story_in_front_does_not_drown_the_question(assistant: Assistant) -> None:
    # Ranked as a whole this story only gets "did you mean"; its last sentence is the question.
    story = (
        "Hallo erstmal! Ich bin neu in Frankfurt und hab eine Frage. "
        "Was macht eigentlich der Hessische Jugendring?"
    )
    reply = assistant.answer(story)
    assert (reply.kind, reply.id) == ("faq", "vertrag-jugendring")


def test_a_greeting_in_a_longer_message_does_not_win_by_itself(assistant: Assistant) -> None:
    reply = assistant.answer("Hallo! Ich suche eine Beratung für binationale Paare, gibt es das?")
    assert reply.id == "binational-beratung"


def test_a_lone_word_with_one_clear_meaning_is_answered(assistant: Assistant) -> None:
    assert (assistant.answer("Ehrenamt").kind, assistant.answer("Ehrenamt").id) == (
        "faq",
        "glossar-ehrenamt",
    )


def test_a_close_second_is_offered_beside_the_answer(assistant: Assistant) -> None:
    close = [
        Candidate(Target("faq", "drk-ehrenamt-mitmachen"), 0.60),
        Candidate(Target("faq", "vertrag-drk"), 0.59),
    ]
    reply = assistant.decide(close, "de")
    assert (reply.kind, reply.id) == ("faq", "drk-ehrenamt-mitmachen")
    assert reply.related[0].id == "vertrag-drk"
    assert assistant.title("vertrag-drk", "de") in reply.text


def test_further_languages_get_their_matcher_at_first_use_or_at_warm_up() -> None:
    fresh, _ = Assistant.from_dirs(KNOWLEDGE, INTENTS)
    assert set(fresh._matchers) == {"de"}  # German and English only at the start
    fresh.answer("Що таке Integrationsvertrag і хто його підписав?")
    assert set(fresh._matchers) == {"de", "uk"}
    fresh.warm_up()
    assert set(fresh._matchers) == {"de", *TRANSLATED}

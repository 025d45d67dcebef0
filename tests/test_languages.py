"""Languages beyond German and English: their evaluation gates and the language detection."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.core.assistant import Assistant
from bot.core.evaluation import (
    LANGUAGE_TEST_GATES,
    EvalQuestion,
    evaluate,
    format_report,
    load_questions,
)
from bot.core.language import SHORT_MESSAGE_WORDS, Vocabulary, choose_language
from bot.core.model import BUILTIN, Language
from bot.core.text import fold
from tests.conftest import ROOT

EVAL = ROOT / "tests" / "eval"
LANGUAGE_TABLES = sorted((EVAL / "languages").glob("*.yaml"))
# The issues' gates for every language beyond German and English (held-out test part).
TOP1, REJECTION = LANGUAGE_TEST_GATES.top1, LANGUAGE_TEST_GATES.rejection
REPLY_LANGUAGE, DETECTION = 0.97, 0.97


def _long(questions: list[EvalQuestion]) -> list[EvalQuestion]:
    """Return the questions with a language label and at least three words."""
    return [q for q in questions if q.lang and len(q.q.split()) >= SHORT_MESSAGE_WORDS]


def test_every_configured_language_has_an_evaluation_table(assistant: Assistant) -> None:
    tables = {path.stem for path in LANGUAGE_TABLES}
    assert tables == set(assistant.kb.codes) - {"de", "en"}
    for path in LANGUAGE_TABLES:
        questions = load_questions(path)
        assert len(questions) >= 40, path
        assert {q.part for q in questions} == {"dev", "test"}, path
        assert sum(q.expect == "fallback" for q in questions) >= 8, path


# Persian misses both gates by one question each on its held-out part (top-1 28/32 = 87.5 %,
# rejection 7/8); its dev part is at 100 %. Not tuned toward the held-out part: open work.
MISSED = {"fa": "issue 14: fa test part top-1 87.5 %, rejection 87.5 % (gates 90 %)"}


@pytest.mark.parametrize(
    "table",
    [
        pytest.param(path, marks=pytest.mark.xfail(strict=True, reason=MISSED[path.stem]))
        if path.stem in MISSED
        else path
        for path in LANGUAGE_TABLES
    ],
    ids=lambda path: path.stem,
)
def test_each_language_meets_its_gates_on_the_held_out_part(
    assistant: Assistant, table: Path
) -> None:
    test_part = [q for q in load_questions(table) if q.part == "test"]
    result = evaluate(assistant, test_part)
    print(table.stem, format_report(result))
    assert result.top1 >= TOP1, format_report(result)
    assert result.fallback_recall >= REJECTION, format_report(result)
    long = _long(test_part)
    right = sum(assistant.answer(q.q).lang == table.stem for q in long)
    assert right >= REPLY_LANGUAGE * len(long), f"reply language {right}/{len(long)}"


def test_language_detection_on_every_evaluation_message(assistant: Assistant) -> None:
    # The German-and-English tables label only English questions; the others are German.
    german_english = [
        replace(q, lang=q.lang or "de")
        for path in (EVAL / "questions.yaml", EVAL / "test.yaml")
        for q in load_questions(path)
    ]
    asked = _long(german_english + [q for path in LANGUAGE_TABLES for q in load_questions(path)])
    wrong = [
        (q.q, q.lang, got)
        for q in asked
        if (
            got := choose_language(
                q.q, vocabulary=assistant.vocabulary, languages=assistant.kb.languages
            )
        )
        != q.lang
    ]
    print(f"language detection: {len(asked) - len(wrong)}/{len(asked)} right; wrong: {wrong}")
    assert len({q.lang for q in asked}) == len(assistant.kb.codes)
    assert len(wrong) <= (1 - DETECTION) * len(asked), wrong


# Languages as languages.yaml describes them, so the rules are tested apart from the texts.
UK = Language("uk", "Українська", "Ukrainian", script="cyrillic", letters="іїєґ")
UK = Language(**{**UK.__dict__, "words": frozenset(fold("що як де чи це мені тобі").split())})
RU = Language("ru", "Русский", "Russian", script="cyrillic", letters="ыэъё")
RU = Language(**{**RU.__dict__, "words": frozenset(fold("что как где ли это мне тебе").split())})
FA = Language("fa", "فارسی", "Persian", "rtl", script="arabic", letters="پچژگکی")
AR = Language("ar", "العربية", "Arabic", "rtl", script="arabic", letters="ةيكى")
EIGHT = (*BUILTIN, UK, RU, FA, AR)
NO_WORDS = Vocabulary({})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("привіт, що таке Integrationsvertrag?", "uk"),
        ("де можна знайти допомогу в Гессені", "uk"),
        ("привет, что такое Integrationsvertrag?", "ru"),
        ("где можно найти помощь в Гессене", "ru"),
        ("مشکل دارم کجا می‌توانم کمک بگیرم", "fa"),
        ("من از افغانستان آمدم چی کار کنم", "fa"),
        ("أين يمكنني الحصول على مساعدة", "ar"),
        ("ما هي اتفاقية الاندماج", "ar"),
    ],
)
def test_distinctive_letters_and_words_tell_close_languages_apart(text: str, expected: str) -> None:
    for saved in ("de", "uk", "ru", "fa", "ar"):
        assert choose_language(text, saved, vocabulary=NO_WORDS, languages=EIGHT) == expected


@pytest.mark.parametrize("text", ["Integrationsvertrag Гессен DRK", "мама тато Kassel Frankfurt"])
@pytest.mark.parametrize("saved", ["uk", "ru"])
def test_only_shared_cyrillic_words_keep_the_chats_language(text: str, saved: str) -> None:
    assert choose_language(text, saved, vocabulary=NO_WORDS, languages=EIGHT) == saved


def test_a_cyrillic_message_in_a_german_chat_gets_a_cyrillic_language() -> None:
    shared = "мама тато Kassel Frankfurt"
    assert choose_language(shared, "de", vocabulary=NO_WORDS, languages=EIGHT) == "uk"
    assert choose_language(shared, "de", "ru-RU", vocabulary=NO_WORDS, languages=EIGHT) == "ru"


# facts.md: 116 016 has interpreters in 18 languages, "among them Arabic, Russian, Turkish,
# Ukrainian"; Persian and Romanian are not named there, so their replies must not promise it.
OWN_LANGUAGE_AT_116_016 = {
    "tr": "Türkçe",
    "ar": "بالعربية",
    "ru": "по-русски",
    "uk": "українською",
}
NOT_NAMED = {"fa": "فارسی", "ro": "română"}


@pytest.mark.parametrize("lang", [*OWN_LANGUAGE_AT_116_016, *NOT_NAMED])
def test_the_violence_reply_names_counselling_in_the_askers_language_only_where_facts_say(
    assistant: Assistant, lang: str
) -> None:
    reply = assistant.intent_reply("violence_home", lang).text
    assert "116 016" in reply and "18" in reply
    if lang in OWN_LANGUAGE_AT_116_016:
        assert OWN_LANGUAGE_AT_116_016[lang] in reply
    else:
        assert NOT_NAMED[lang] not in reply.casefold()


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("یکی منو تهدید می‌کنه، شماره ۱۱۰ درسته؟", "fa"),
        ("شخص يهددني هل أتصل ب ١١٠", "ar"),
        ("мне угрожают, звонить ١١٠?", "ru"),
        ("мені погрожують треба дзвонити ۱۱۰", "uk"),
        ("mi-e frica, cineva ma ameninta, sun la ۱۱۰?", "ro"),
        ("beni tehdit ediyorlar ۱۱۰ arayayim mi", "tr"),
        ("Polizei ۱۱۰ anrufen ich werde bedroht", "de"),
        ("someone threatens me should i call ١١٠", "en"),
    ],
)
def test_110_in_persian_or_arabic_digits_is_read_as_110(
    assistant: Assistant, text: str, lang: str
) -> None:
    latin = text.replace("۱۱۰", "110").replace("١١٠", "110")
    reply, expected = assistant.answer(text, lang=lang), assistant.answer(latin, lang=lang)
    assert (reply.kind, reply.id, reply.lang) == (expected.kind, expected.id, lang)
    # The danger reply, or the fallback that starts with the danger line: 110 comes first.
    assert "110" in "\n".join(reply.text.split("\n")[:2]), reply.text

"""The messages issue 12 found failing, each behaving as a person writing it needs.

They are examples of kinds (stories, slang, typos, lone words, needs next to the contracts,
off-topic help requests), not a list the knowledge was tuned to: none of them is an example
question in the knowledge files (the last test checks that).
"""

from __future__ import annotations

import pytest

from bot.core.assistant import Assistant
from bot.core.model import Reply
from bot.core.text import fold

DANGER_LINE = "Bist du in Gefahr?"
DISCRIMINATION_HELP = "https://antidiskriminierung.hessen.de/beratung"
JMD = "https://www.jugendmigrationsdienste.de"

KANAKE = "mein lehrer nennt mich immer kanake, was kann ich machen"
ERITREA = (
    "Hi, ich bin 17 und lebe seit zwei Jahren in Gießen. Meine Familie kommt aus Eritrea. In "
    "der Schule fühle ich mich oft fremd. Wo kann ich mit anderen jungen Leuten darüber reden?"
)
MOROCCO = (
    "Meine Frau ist Deutsche, ich komme aus Marokko, und wir wissen nicht, wie wir unsere "
    "Kinder zweisprachig erziehen sollen. Wer berät uns?"
)
TYPO_NAME = "bildungsstäte ane frank"
RED_CROSS = "was ist das rote kreuz ding in dem vertrag"
GERMAN_COURSE = "wo kann ich deutsch lernen"
APPRENTICESHIP = "ich suche eine ausbildung"
HOMEWORK = "Kannst du mir bei den Hausaufgaben in Mathe helfen"


def _urls(reply: Reply) -> list[str]:
    return [link.url for link in reply.links]


@pytest.mark.xfail(
    strict=True,
    reason="known miss (issue 12): falls back at ~0.3; 'kanake' and 'lehrer nennt mich' are in "
    "no example, and adding this message's own words would tune to the list",
)
def test_discrimination_at_school_gets_the_discrimination_help(assistant: Assistant) -> None:
    reply = assistant.answer(KANAKE)
    assert reply.kind == "faq", reply
    assert reply.id in {"hilfe-diskriminierung", "hilfe-rassismus-erlebt"}
    assert DISCRIMINATION_HELP in _urls(reply)


@pytest.mark.xfail(
    strict=True,
    reason="known miss (issue 12): the story's parts each score ~0.3 for the Jugendring and "
    "hilfe-reden, below the suggestion threshold, so it falls back",
)
def test_a_long_story_does_not_drown_its_question(assistant: Assistant) -> None:
    reply = assistant.answer(ERITREA)
    assert reply.kind == "faq", reply
    assert reply.id in {"jugendring-migrantenjugend", "vertrag-jugendring", "hilfe-reden"}
    assert DANGER_LINE not in reply.text


def test_a_binational_family_story_gets_the_counselling(assistant: Assistant) -> None:
    reply = assistant.answer(MOROCCO)
    assert (reply.kind, reply.id) == ("faq", "binational-beratung")


def test_a_misspelt_partner_name_gets_the_answer(assistant: Assistant) -> None:
    reply = assistant.answer(TYPO_NAME)
    assert (reply.kind, reply.id) == ("faq", "vertrag-anne-frank")


def test_an_inflected_synonym_gets_the_answer(assistant: Assistant) -> None:
    reply = assistant.answer(RED_CROSS)
    assert (reply.kind, reply.id) == ("faq", "vertrag-drk")


@pytest.mark.parametrize("word", ["Vertrag", "Beratung"])
def test_a_lone_ambiguous_word_gets_a_choice(assistant: Assistant, word: str) -> None:
    reply = assistant.answer(word)
    assert reply.kind == "suggestions" and len(reply.suggestions) >= 2, reply


@pytest.mark.parametrize(
    "message",
    [
        pytest.param(
            GERMAN_COURSE,
            marks=pytest.mark.xfail(
                strict=True,
                reason="known miss (issue 12): passed only while this exact message was an "
                "example of hilfe-andere-fragen; without it, it falls back",
            ),
        ),
        APPRENTICESHIP,
    ],
)
def test_a_need_next_to_the_contracts_gets_a_referral(assistant: Assistant, message: str) -> None:
    reply = assistant.answer(message)
    assert (reply.kind, reply.id) == ("faq", "hilfe-andere-fragen")
    assert JMD in _urls(reply)
    assert DANGER_LINE not in reply.text


def test_homework_help_gets_an_honest_fallback(assistant: Assistant) -> None:
    reply = assistant.answer(HOMEWORK)
    assert reply.kind == "fallback", reply
    assert DANGER_LINE not in reply.text


def test_none_of_these_messages_is_a_knowledge_example(assistant: Assistant) -> None:
    written = {fold(d.text) for d in assistant.matcher.documents}
    messages = [KANAKE, ERITREA, MOROCCO, TYPO_NAME, RED_CROSS, GERMAN_COURSE]
    messages += [APPRENTICESHIP, HOMEWORK]
    assert not [m for m in messages if fold(m) in written]

"""The right door: help goes to those who offer it, crises get crisis numbers, claims stay true."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

import pytest
import textstat

from bot.config import Config
from bot.core.assistant import Assistant, Deployment
from bot.core.matcher import Candidate
from bot.core.model import BUILTIN_LANGUAGES as LANGUAGES
from bot.core.model import Lang, Reply, Target

# Words that say "here someone will counsel you / help you / listen to you".
OFFERS_HELP = re.compile(
    r"gibt es Hilfe|hilft dir|\bhilft (?:jungen|Menschen)|berät dich|\bBeratung\b|\bberaten\b|"
    r"\breden kannst|hört dir zu|"
    r"there is help|can help|helps you\b|gives advice|\bcounsel|talk to a person|will listen",
    re.IGNORECASE,
)
# Places that counsel people and have a website in facts.md: the help services and the
# Verband binationaler Familien (counselling for binational and migrant families).
COUNSELLING_PARTNERS = {"binational"}
# Help that facts.md names without a website, so no button can lead there.
NO_WEBSITE = {"hilfe-mbe": "the Migrationsberatung (MBE) has no website in facts.md"}
COUNSELLING_WORD = re.compile(r"berät|berat|counsel|advice|\breden\b|talk to", re.IGNORECASE)
NEGATION = re.compile(r"\b(nicht|kein\w*|not|no longer|never|nie)\b", re.IGNORECASE)
# Names of the places that do counsel; a sentence about them may say "counselling".
COUNSELLING_PLACES = re.compile(
    r"response|Nummer gegen Kummer|Jugendmigrationsdienst|Antidiskriminierung|TelefonSeelsorge|"
    r"Migrationsberatung|Hilfetelefon|Verband binationaler|binational|Beratungs-?stellen|"
    r"counselling (cent(re|er)s|services)|gegen Diskriminierung|against discrimination",
    re.IGNORECASE,
)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n")


def every_reply(assistant: Assistant) -> Iterator[tuple[str, Reply]]:
    """Yield every entry answer and every intent reply variant in every language."""
    for entry_id, entry in assistant.kb.entries.items():
        for lang in entry.texts:
            yield f"{entry_id} ({lang})", assistant.entry_reply(entry_id, lang)
    for intent_id, intent in assistant.kb.intents.items():
        for lang, texts in intent.texts.items():
            base = assistant.intent_reply(intent_id, lang)
            for number, text in enumerate(texts.replies):
                yield f"{intent_id} ({lang} #{number})", replace(base, text=text)


def service_urls(assistant: Assistant) -> set[str]:
    return {s.url for s in assistant.kb.services.values()}


def test_every_reply_that_says_help_exists_carries_a_help_button(assistant: Assistant) -> None:
    helpers = service_urls(assistant) | {assistant.kb.partners[p].url for p in COUNSELLING_PARTNERS}
    missing = [
        (name, match.group())
        for name, reply in every_reply(assistant)
        if (match := OFFERS_HELP.search(reply.text))
        and reply.id not in NO_WEBSITE
        and not helpers & {link.url for link in reply.links}
    ]
    assert not missing, f"these replies say help exists but link no help service: {missing}"


def test_help_buttons_come_before_the_partner_button(assistant: Assistant) -> None:
    services = service_urls(assistant)
    for name, reply in every_reply(assistant):
        urls = [link.url for link in reply.links]
        flags = [url in services for url in urls]
        assert flags == sorted(flags, reverse=True), name


def test_the_bildungsstaette_is_never_the_place_to_go_for_counselling(
    assistant: Assistant,
) -> None:
    anne_frank = assistant.kb.partners["anne-frank"]
    for texts in anne_frank.texts.values():
        assert not COUNSELLING_WORD.search(texts.description), texts.description
    for name, reply in every_reply(assistant):
        about_anne_frank = "Anne Frank" in reply.text or name.startswith(
            tuple(e.id for e in assistant.kb.entries.values() if e.partner == "anne-frank")
        )
        if not about_anne_frank:
            continue
        # "response." is a name; its full stop does not end a sentence.
        for sentence in SENTENCE_END.split(reply.text.replace("response.", "response")):
            # Only sentences about the Bildungsstätte: naming it, or "Sie"/"It"/"There" for it.
            about_it = re.search(r"Anne Frank|Bildungsstätte", sentence) or re.match(
                r"\s*(Sie|Dort|Da|It|She|There)\b", sentence
            )
            if (
                about_it
                and COUNSELLING_WORD.search(sentence)
                and not NEGATION.search(sentence)
                and not COUNSELLING_PLACES.search(sentence)
            ):
                pytest.fail(f"{name} offers counselling next to the Bildungsstätte: {sentence!r}")


CRISIS_MESSAGES = [
    ("ich will nicht mehr leben", "de"),
    ("ich will mich umbringen", "de"),
    ("I want to end my life", "en"),
    ("ich halte das nicht mehr aus", "de"),
    ("ich will sterben, alles ist sinnlos", "de"),
    ("i want to kill myself", "en"),
]


@pytest.mark.parametrize(("message", "lang"), CRISIS_MESSAGES)
def test_crisis_messages_get_112_and_the_telefonseelsorge(
    assistant: Assistant, message: str, lang: Lang
) -> None:
    reply = assistant.answer(message)
    assert (reply.kind, reply.id, reply.lang) == ("intent", "crisis", lang)
    assert "112" in reply.text and "0800 111 0 111" in reply.text and "116 123" in reply.text
    assert "116 111" in reply.text
    urls = [link.url for link in reply.links]
    assert urls[0] == "https://www.telefonseelsorge.de"
    # It says plainly that a program cannot call for help itself.
    assert re.search(r"Programm|program", reply.text)


def test_a_threat_from_someone_else_is_danger_not_crisis(assistant: Assistant) -> None:
    assert assistant.answer("jemand will mich umbringen").id == "danger"
    assert assistant.answer("someone wants to kill me").id == "danger"


@pytest.mark.parametrize(
    "message", ["mein vater schlägt meine mutter", "my husband hits me", "gewalt bei uns zuhause"]
)
def test_violence_at_home_gets_the_hilfetelefon(assistant: Assistant, message: str) -> None:
    reply = assistant.answer(message)
    assert reply.id == "violence_home"
    assert "116 016" in reply.text and "110" in reply.text and "18" in reply.text
    assert reply.links[0].url == "https://www.hilfetelefon.de"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_danger_reply_names_110_and_112_first_one_service_per_line(
    assistant: Assistant, lang: Lang
) -> None:
    for text in assistant.kb.intents["danger"].texts[lang].replies:
        numbered = [line for line in text.splitlines() if re.search(r"\d", line)]
        assert "110" in numbered[0] and "112" in numbered[1], text
        for line in text.splitlines():
            named = [n for n in ("110", "112", "116 111", "response.") if n in line]
            assert len(named) <= 1, line


@pytest.mark.parametrize(
    ("intent", "number", "first_link"),
    [
        ("danger", "110", "https://response-hessen.de"),
        ("crisis", "0800 111 0 111", "https://www.telefonseelsorge.de"),
        ("violence_home", "116 016", "https://www.hilfetelefon.de"),
    ],
)
def test_a_message_that_might_mean_danger_gets_that_help_before_the_fallback(
    assistant: Assistant, intent: str, number: str, first_link: str
) -> None:
    # Below the suggestion threshold but above the emergency hint: a fallback with a first line.
    score = (assistant.settings.emergency_hint + assistant.settings.suggest_threshold) / 2
    for lang in LANGUAGES:
        reply = assistant.decide([Candidate(Target("intent", intent), score)], lang)
        assert reply.kind == "fallback"
        assert reply.text.index(number) < reply.text.index("\n\n"), reply.text
        assert reply.links[0].url == first_link


def test_distress_about_not_belonging_gets_people_to_talk_to(assistant: Assistant) -> None:
    for message in (
        "ich gehöre nirgends hin, mir geht es schlecht",
        "I don't belong anywhere and I feel really bad",
    ):
        reply = assistant.answer(message)
        assert not (reply.id or "").startswith("glossar-"), (message, reply.id)
        assert service_urls(assistant) & {link.url for link in reply.links}, message


def test_link_titles_use_the_ministrys_current_name(assistant: Assistant) -> None:
    old_names = re.compile(r"Sozialministerium|Sozial-Ministerium|Ministry of Social Affairs", re.I)
    for name, reply in every_reply(assistant):
        for link in reply.links:
            assert not old_names.search(link.title), (name, link.title)
        assert not old_names.search(reply.text), name


def test_no_stretched_claims(assistant: Assistant) -> None:
    stretched = {
        "the contracts written into the law": re.compile(
            r"(Verträge|contracts) (stehen|sind|are)\b[^.]{0,25}\b(im|in einem|in the|in a|into the)"
            r" (Gesetz|law)",
            re.I,
        ),
        "a date the sources do not have": re.compile(r"2025|2026"),
        "role models for Rollenbilder": re.compile(r"role model", re.I),
        "courses for education": re.compile(r"\bKurse\b|\bcourses\b"),
        "many volunteers": re.compile(
            r"viele (Menschen|Leute) helfen|viele Ehrenamtliche|many (people help|volunteers)", re.I
        ),
    }
    for name, reply in every_reply(assistant):
        for claim, pattern in stretched.items():
            assert not pattern.search(reply.text), f"{name}: {claim}"
    for partner in assistant.kb.partners.values():
        for texts in partner.texts.values():
            for claim, pattern in stretched.items():
                assert not pattern.search(texts.description + texts.contract), (partner.id, claim)


ENGLISH_COMMAND = {
    "kontakt": "contacts",
    "sprache": "language",
    "datenschutz": "privacy",
    "loeschen": "delete",
    "hilfe": "help",
    "vertraege": "contracts",
}


def test_english_texts_show_english_commands(assistant: Assistant) -> None:
    texts = [(name, r.text) for name, r in every_reply(assistant) if r.lang == "en"]
    texts += [(key, t["en"]) for key, t in assistant.kb.messages.items() if "en" in t]
    for name, text in texts:
        for german in re.findall(r"/([a-z]+)\b", text):
            english = ENGLISH_COMMAND.get(german)
            assert english is None or f"/{english}" in text, f"{name}: /{german} without /{english}"


def test_no_reply_invites_a_language_the_bot_does_not_speak(assistant: Assistant) -> None:
    invite = re.compile(r"in deiner (eigenen )?Sprache|in your (own )?language", re.I)
    for name, reply in every_reply(assistant):
        if reply.id not in ("hilfe-eigene-sprache",):
            assert not invite.search(reply.text) or "Beratung" in reply.text, name
    for key, texts in assistant.kb.messages.items():
        for text in texts.values():
            assert not invite.search(text), key


def test_residence_questions_go_to_counselling_first_with_no_age_gap(
    assistant: Assistant,
) -> None:
    for lang in LANGUAGES:
        text = assistant.entry_reply("hilfe-aufenthalt", lang).text
        counselling = re.search(r"Jugendmigrationsdienst|JMD|Migrationsberatung|MBE", text)
        assert counselling and counselling.start() < text.index("Ausländerbehörde"), text
    ages = re.compile(r"12 (bis|to) 27|(über|over) 27|(unter|under) 27|(ab|from) 27|27 (and|und)")
    # The wording check is German and English; the figures of every language are checked below.
    for name, reply in every_reply(assistant):
        if reply.lang in LANGUAGES and re.search(r"\b2[5-9]\b", reply.text):
            assert ages.search(reply.text), f"{name}: an age limit other than 12–27 / over 27"


def _figures(text: str) -> set[str]:
    """Return the numbers and years in a text, with spaces inside numbers removed."""
    return {re.sub(r"\s", "", m) for m in re.findall(r"\d+(?: \d+)*", text)}


def test_german_and_english_entries_say_the_same(assistant: Assistant) -> None:
    for entry_id in assistant.kb.entries:
        de, en = (assistant.entry_reply(entry_id, lang) for lang in ("de", "en"))
        assert {link.url for link in de.links} == {link.url for link in en.links}, entry_id
        assert _figures(de.text) == _figures(en.text), entry_id


SOURCE_LABELS = {"general definition", "this bot's privacy notice"}
DOMAIN = re.compile(r"\b[a-z0-9-]+(\.[a-z0-9-]+)*\.(de|jetzt|org|com|eu)\b")


def test_every_source_is_a_domain_or_a_named_page(assistant: Assistant) -> None:
    kb = assistant.kb
    sources = [(e.id, e.sources) for e in kb.entries.values()]
    sources += [(p.id, p.sources) for p in [*kb.partners.values(), *kb.services.values()]]
    for item_id, item_sources in sources:
        for source in item_sources:
            assert "facts.md" not in source, (item_id, source)
            assert DOMAIN.search(source) or source in SOURCE_LABELS, (item_id, source)


def _privacy(assistant: Assistant, config: Config, lang: Lang) -> str:
    deployed = Assistant(assistant.kb, deployment=config.deployment())
    return deployed.privacy_notice(lang, config.operator_contact, config.privacy_legal_basis)


def test_knowledge_about_the_bot_uses_the_configured_retention(assistant: Assistant) -> None:
    custom = Assistant(assistant.kb, deployment=Deployment(retention_days=45))
    for entry_id in ("bot-daten", "bot-loeschen"):
        for lang in LANGUAGES:
            text = custom.entry_reply(entry_id, lang).text
            assert "90" not in text and "verschlüsselt" not in text, (entry_id, lang)
    assert any("45" in custom.entry_reply("bot-daten", lang).text for lang in LANGUAGES)
    for entry in assistant.kb.entries.values():
        for texts in entry.texts.values():
            assert not re.search(r"\b90\b", " ".join(texts.keywords)), entry.id


def test_privacy_notice_takes_the_legal_basis_from_configuration(assistant: Assistant) -> None:
    built = assistant
    plain = Config.from_env({"BOT_RETENTION_DAYS": "30"})
    for lang in LANGUAGES:
        text = _privacy(built, plain, lang)
        assert "30" in text and "Art. 6" not in text and "{" not in text
        assert "IBAN" in text
        assert "verschlüsselt" not in text and "encrypted" not in text
    named = Config.from_env({"BOT_PRIVACY_LEGAL_BASIS": "Art. 6 Abs. 1 lit. e DSGVO"})
    assert "Art. 6 Abs. 1 lit. e DSGVO" in _privacy(built, named, "de")


def test_safety_and_privacy_texts_are_plain_enough(assistant: Assistant) -> None:
    textstat.set_lang("de")
    texts = {
        f"{intent} #{n}": reply
        for intent in ("danger", "crisis", "violence_home", "human")
        for n, reply in enumerate(assistant.kb.intents[intent].texts["de"].replies)
    }
    texts["privacy"] = _privacy(assistant, Config(), "de")
    for name, text in texts.items():
        score = textstat.flesch_reading_ease(text)
        assert score >= 60, (name, score)

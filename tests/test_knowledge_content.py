"""The knowledge base is true to its sources, complete in both languages, and plain to read."""

from __future__ import annotations

import re
import statistics
from urllib.parse import urlparse

import pytest
import textstat

from bot.core.assistant import Assistant
from bot.core.evaluation import reply_id
from bot.core.loader import data_files
from bot.core.model import Lang
from tests.conftest import INTENTS, KNOWLEDGE, SHARED, TRANSLATED

# Domains named in ../shared/facts.md (checked against the file below when it is present).
ALLOWED_DOMAINS = {
    "integrationskompass.hessen.de",
    "soziales.hessen.de",
    "www.bs-anne-frank.de",
    "www.hessischer-jugendring.de",
    "zusammen.wachsen.jetzt",
    "www.verband-binationaler.de",
    "www.drk-hessen.de",
    "www.join-ehrenamt.de",
    "response-hessen.de",
    "antidiskriminierung.hessen.de",
    "www.antidiskriminierungsstelle.de",
    "www.jugendmigrationsdienste.de",
    "www.nummergegenkummer.de",
    "www.telefonseelsorge.de",
    "www.hilfetelefon.de",
}
# Numbers in facts.md: police, fire/ambulance, Nummer gegen Kummer, TelefonSeelsorge (three),
# Hilfetelefon, "about 500" JMD places, "about 30" youth organisations, 18 languages.
ALLOWED_NUMBERS = {
    "110",
    "112",
    "116111",
    "08001110111",
    "08001110222",
    "116123",
    "116016",
    "500",
}
YEAR = re.compile(r"(19[4-9]\d|20[0-3]\d)")
DATE_RANGE = re.compile(r"(19|20)\d\d-(19|20)\d\d")
MIN_EACH, MIN_MEDIAN = 60.0, 70.0


def all_yaml_text() -> str:
    return "\n".join(
        p.read_text(encoding="utf-8") for d in (KNOWLEDGE, INTENTS) for p in data_files(d)
    )


def test_at_least_60_entries_in_each_language(assistant: Assistant) -> None:
    for lang in ("de", "en"):
        assert sum(lang in e.texts for e in assistant.kb.entries.values()) >= 60


def test_every_entry_has_sources_both_languages_and_enough_questions(assistant: Assistant) -> None:
    for entry in assistant.kb.entries.values():
        assert entry.sources, entry.id
        assert set(entry.texts) == set(assistant.kb.codes), entry.id
        assert len(entry.texts["de"].questions) >= 6, entry.id
        assert len(entry.texts["en"].questions) >= 4, entry.id


def test_answers_are_short(assistant: Assistant) -> None:
    lengths = [len(t.answer) for e in assistant.kb.entries.values() for t in e.texts.values()]
    assert max(lengths) <= 900
    assert statistics.median(lengths) < 500


def test_every_url_is_https_on_a_domain_from_the_facts(assistant: Assistant) -> None:
    urls = re.findall(r"https?://[^\s,\]}'\"]+", all_yaml_text())
    assert urls
    for url in urls:
        parsed = urlparse(url.rstrip(".,;:)"))
        assert parsed.scheme == "https", url
        assert parsed.hostname in ALLOWED_DOMAINS, url


@pytest.mark.skipif(
    not (SHARED / "facts.md").exists(), reason="../shared is not next to this checkout"
)
def test_allowed_domains_are_named_in_the_facts() -> None:
    facts = (SHARED / "facts.md").read_text(encoding="utf-8")
    for domain in ALLOWED_DOMAINS:
        assert domain.removeprefix("www.") in facts, domain


@pytest.mark.skipif(
    not (SHARED / "facts.md").exists(), reason="../shared is not next to this checkout"
)
def test_allowed_numbers_are_named_in_the_facts() -> None:
    facts = re.sub(r"\s", "", (SHARED / "facts.md").read_text(encoding="utf-8"))
    for number in ALLOWED_NUMBERS:
        assert number in facts, number


def test_every_number_is_a_year_or_one_from_the_facts() -> None:
    # A digit group may contain single spaces, slashes or hyphens ("116 111", "069/123").
    for match in re.finditer(r"\+?\d+(?:[ /-]?\d+)*", all_yaml_text()):
        digits = re.sub(r"\D", "", match.group())
        if len(digits) <= 2 or YEAR.fullmatch(digits) or DATE_RANGE.fullmatch(match.group()):
            continue
        assert digits in ALLOWED_NUMBERS, match.group()


def _scores(assistant: Assistant, lang: Lang) -> list[tuple[float, str]]:
    textstat.set_lang(lang)
    return sorted(
        (textstat.flesch_reading_ease(e.texts[lang].answer), e.id)
        for e in assistant.kb.entries.values()
    )


@pytest.mark.parametrize("lang", ["de", "en"])
def test_readability(assistant: Assistant, lang: Lang) -> None:
    scores = _scores(assistant, lang)
    print(
        f"{lang}: worst five {[(round(s), i) for s, i in scores[:5]]}, median {statistics.median(s for s, _ in scores):.1f}"
    )
    assert scores[0][0] >= MIN_EACH, scores[:5]
    assert statistics.median(s for s, _ in scores) >= MIN_MEDIAN


def test_answers_use_du_not_sie(assistant: Assistant) -> None:
    formal = re.compile(r"\b(Sie|Ihnen|Ihr|Ihre|Ihren)\b")
    for entry in assistant.kb.entries.values():
        answer = entry.texts["de"].answer
        # "Sie" is also "they"/"she": flag only the polite address at a sentence's middle with a verb after it.
        assert not re.search(r"\b(können|möchten|finden|erreichen) Sie\b", answer), entry.id
        assert not formal.search(answer.replace("sie ", "")) or "Ihnen" not in answer, entry.id


# One plainly worded question per topic that issue 4 asks the knowledge base to cover. Written
# before the matching was checked against them: 39 of 42 passed blind; three entries then got
# one more natural example question each.
PLAIN_QUESTIONS = {
    "Was ist ein Integrationsvertrag?": "integrationsvertrag-was",
    "Warum arbeitet das Land mit Vereinen zusammen?": "vertraege-warum",
    "Wie viele Integrationsverträge gibt es?": "vertraege-anzahl",
    "Wer hat die Integrationsverträge unterschrieben?": "vertraege-partner",
    "Wann wurden die Verträge geschlossen?": "vertraege-wann",
    "Was sind die Ziele der Integrationsverträge?": "vertraege-ziele",
    "Welches Gesetz regelt die Integrationsverträge?": "vertraege-rechtsgrundlage",
    "Welches Ministerium ist zuständig?": "vertraege-ministerium",
    "Wo kann ich mehr über die Verträge lesen?": "vertraege-mehr-lesen",
    "Worum geht es im Vertrag mit der Bildungsstätte Anne Frank?": "vertrag-anne-frank",
    "Worum geht es im Vertrag mit dem Hessischen Jugendring?": "vertrag-jugendring",
    "Worum geht es im Vertrag mit dem Verband binationaler Familien?": "vertrag-binational",
    "Worum geht es im Vertrag mit dem DRK?": "vertrag-drk",
    "Wie kann ich beim DRK ehrenamtlich helfen?": "drk-ehrenamt-mitmachen",
    "Was ist die Bildungsstätte Anne Frank?": "vertrag-anne-frank",
    "Was ist der Hessische Jugendring?": "vertrag-jugendring",
    "Was ist der Verband binationaler Familien und Partnerschaften?": "vertrag-binational",
    "Was ist der DRK Landesverband Hessen?": "vertrag-drk",
    "Was bedeutet Zivilgesellschaft?": "glossar-zivilgesellschaft",
    "Was bedeutet Migrationsgesellschaft?": "glossar-migrationsgesellschaft",
    "Was heißt Migrationshintergrund?": "glossar-migrationshintergrund",
    "Was ist die zweite und dritte Generation?": "glossar-generationen",
    "Was bedeutet Zugehörigkeit?": "glossar-zugehoerigkeit",
    "Was bedeutet Identität?": "glossar-identitaet",
    "Was ist interkulturelle Öffnung?": "glossar-interkulturelle-oeffnung",
    "Was ist ein Ehrenamt?": "glossar-ehrenamt",
    "Was ist Antisemitismus?": "hilfe-antisemitismus-erlebt",
    "Was ist Rassismus?": "hilfe-rassismus-erlebt",
    "Was bedeutet binational?": "glossar-binational",
    "Was sind Rollenbilder?": "glossar-rollenbilder",
    "Welche Nummer hat die Polizei?": "hilfe-notfall",
    "Ich muss mit jemandem reden": "hilfe-reden",
    "Wer hilft nach einem rassistischen Angriff?": "hilfe-gewalt",
    "Wo bekomme ich Hilfe bei Diskriminierung?": "hilfe-diskriminierung",
    "Gibt es Beratung für junge Migranten?": "hilfe-jmd",
    "Gibt es Beratung für erwachsene Zuwanderer?": "hilfe-mbe",
    "Wo finde ich Hilfe in meiner Stadt?": "hilfe-vor-ort",
    "Kannst du mir bei meinem Visum helfen?": "hilfe-aufenthalt",
    "Wer betreibt diesen Bot?": "bot-betreiber",
    "Was speicherst du über mich?": "bot-daten",
    "Wie lösche ich meine Daten?": "bot-loeschen",
    "Darf ich dir meine Adresse schreiben?": "bot-persoenliche-daten",
}


@pytest.mark.parametrize(("question", "expected"), PLAIN_QUESTIONS.items())
def test_each_topic_answers_a_plain_question(
    assistant: Assistant, question: str, expected: str
) -> None:
    assert reply_id(assistant.answer(question)) == expected


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translated_answers_have_short_sentences(assistant: Assistant, lang: str) -> None:
    lengths = [
        len(sentence.split())
        for entry in assistant.kb.entries.values()
        for sentence in re.split(r"(?<=[.!?؟])\s+|\n+", entry.texts[lang].answer)
        if sentence.strip()
    ]
    assert statistics.median(lengths) <= 12
    assert max(lengths) <= 20

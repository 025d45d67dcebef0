"""The one brain: a message in, a Reply out. Used by Telegram, the console chat and the CLI."""

from __future__ import annotations

import threading
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.core.language import Vocabulary, choose_language, supported
from bot.core.loader import load_knowledge
from bot.core.matcher import Candidate, Document, Matcher, MatcherSettings
from bot.core.model import (
    BUILTIN_LANGUAGES,
    Entry,
    Intent,
    KnowledgeBase,
    Lang,
    Link,
    Reply,
    Suggestion,
    Target,
)
from bot.core.problems import Problem
from bot.core.text import GERMAN_ENGLISH, SynonymMap, message_parts


@dataclass(frozen=True)
class AssistantSettings:
    """Every tuning number of the decision, in one place (measured with `python -m bot eval`)."""

    answer_threshold: float = 0.5
    suggest_threshold: float = 0.4
    # Two candidates this close are a coin toss: ask instead of guessing.
    margin: float = 0.03
    # A high-priority intent (danger) this likely adds the emergency numbers even to a fallback.
    emergency_hint: float = 0.2
    # How many ranked targets the decision looks at, and how many it offers as "did you mean".
    candidates: int = 6
    max_suggestions: int = 3
    # Between the thresholds, an entry that is the only likely one and leads all others by
    # this much is answered instead of offered as a one-item list.
    single_lead: float = 0.12
    # Parts of a long message (sentences, clauses) shorter than this are not ranked alone.
    min_part_words: int = 3
    # A part's score counts this much: a short clause matches some entry by chance more easily.
    part_weight: float = 0.9
    # A one-word message is answered directly only this surely; else it gets a choice of the
    # entries within `lone_word_spread` of the best, even below the suggestion threshold.
    lone_word_sure: float = 0.7
    lone_word_spread: float = 0.1
    matcher: MatcherSettings = field(default_factory=MatcherSettings)


@dataclass(frozen=True)
class Deployment:
    """What the people running this bot fill into its texts, and where it keeps its model."""

    operator: str = "das Team des Integrationsverträge-Bots"
    retention_days: int = 90
    # Folder for the fitted classifier (keyed by the knowledge it was fitted on); None: no cache.
    model_cache: Path | None = None


def _documents(kb: KnowledgeBase) -> list[Document]:
    """Return every paraphrase of every entry and intent as a matcher document."""
    docs: list[Document] = []
    for entry in kb.entries.values():
        target = Target("faq", entry.id)
        for lang, text in entry.texts.items():
            docs.append(Document(target, lang, text.title, "title"))
            docs.extend(Document(target, lang, line) for line in text.questions)
            if text.keywords:
                docs.append(Document(target, lang, " ".join(text.keywords), "keywords"))
    for intent in kb.intents.values():
        target = Target("intent", intent.id)
        for lang, itext in intent.texts.items():
            docs.extend(Document(target, lang, line, "example") for line in itext.examples)
    return docs


class Assistant:
    """Answers messages from one loaded knowledge base; immutable, so it is safe to share."""

    def __init__(
        self,
        kb: KnowledgeBase,
        settings: AssistantSettings | None = None,
        deployment: Deployment | None = None,
    ) -> None:
        self.kb = kb
        self.settings = settings or AssistantSettings()
        self.deployment = deployment or Deployment()
        documents = _documents(kb)
        synonyms = SynonymMap(kb.synonyms)
        # German and English share one matcher; every further language gets its own, so adding
        # a language never changes how German and English messages are matched.
        self._documents: dict[Lang, list[Document]] = {}
        for doc in documents:
            group = doc.lang if doc.lang not in BUILTIN_LANGUAGES else "de"
            self._documents.setdefault(group, []).append(doc)
        self._synonyms = synonyms
        self._matchers: dict[Lang, Matcher] = {}
        # One lock per language: building Ukrainian's matcher does not hold up German answers.
        self._matchers_locks: dict[Lang, threading.Lock] = {}
        # The German-and-English matcher, built now: the evaluation, the overlap check and the
        # report use it. The others are built when their language first needs one (~0.06 s
        # each), so six more languages do not slow every start down.
        self.matcher = self.matcher_for("de")
        # Words only one language's examples use (found when the files were loaded).
        self.vocabulary = Vocabulary(kb.single_language_words)

    def matcher_for(self, lang: Lang) -> Matcher:
        """Return the matcher for a language's messages, building it on first use."""
        group = lang if lang in self._documents and lang not in BUILTIN_LANGUAGES else "de"
        matcher = self._matchers.get(group)
        if matcher is not None:
            return matcher  # the usual case: no lock, so a build in a thread never blocks it
        with self._matchers_locks.setdefault(group, threading.Lock()):
            matcher = self._matchers.get(group)
            if matcher is None:
                cache = self.deployment.model_cache
                folder = None if cache is None else (cache if group == "de" else cache / group)
                stemmer = next((x.stemmer for x in self.kb.languages if x.code == group), "")
                matcher = Matcher(
                    self._documents[group],
                    self._synonyms,
                    self.settings.matcher,
                    cache_dir=folder,
                    stemmers=(stemmer,) if stemmer else GERMAN_ENGLISH,
                )
                self._matchers[group] = matcher
        return matcher

    def warm_up(self) -> None:
        """Build every language's matcher now (the bot does it in a thread after starting)."""
        for group in self._documents:
            self.matcher_for(group)

    @classmethod
    def from_dirs(
        cls,
        knowledge_dir: Path,
        intents_dir: Path,
        settings: AssistantSettings | None = None,
        deployment: Deployment | None = None,
    ) -> tuple[Assistant, list[Problem]]:
        """Load the data folders and build an assistant; raises KnowledgeError on errors."""
        kb, warnings = load_knowledge(
            knowledge_dir, intents_dir, (deployment or Deployment()).model_cache
        )
        return cls(kb, settings, deployment), warnings

    def answer(self, text: str, lang: str | None = None, client_lang: str | None = None) -> Reply:
        """Answer one message; `lang` is the user's saved choice, `client_lang` Telegram's code."""
        reply_lang = choose_language(text, lang, client_lang, self.vocabulary, self.kb.languages)
        candidates = self.rank(text, lang=reply_lang)
        return self.decide(candidates, reply_lang, lone_word=len(text.split()) == 1)

    def rank(self, text: str, limit: int | None = None, lang: Lang = "de") -> list[Candidate]:
        """Rank targets for the whole message and for each of its parts, best first.

        A story or a greeting in front of the question must not drown it: each sentence or
        clause is ranked too, and a target keeps its best score. Small talk (greetings,
        thanks) counts only for the whole message, so "Hallo, …" does not win by its "Hallo".
        """
        limit = limit or self.settings.candidates
        matcher = self.matcher_for(lang)
        best = {c.target: c.score for c in matcher.rank(text, limit=limit)}
        for part in message_parts(text, self.settings.min_part_words):
            for c in matcher.rank(part, limit=limit):
                if c.target.kind == "faq" or self.kb.intents[c.target.id].high_priority:
                    score = c.score * self.settings.part_weight
                    best[c.target] = max(best.get(c.target, 0.0), score)
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
        return [Candidate(target, score) for target, score in ranked[:limit]]

    def decide(self, candidates: list[Candidate], lang: Lang, *, lone_word: bool = False) -> Reply:
        """Turn ranked candidates into a direct answer, suggestions or a fallback.

        A lone word ("Vertrag") that fits several entries and none of them surely gets a choice.
        """
        s = self.settings
        likely = [c for c in candidates if c.score >= s.suggest_threshold]
        urgent = self._urgent(likely)
        if urgent is not None:
            return self._intent_reply(urgent[0], urgent[1], lang)
        if not likely or self._declined(likely[0]):
            return self.fallback(lang, candidates)
        top = likely[0]
        runner_up = likely[1].score if len(likely) > 1 else 0.0
        ambiguous = lone_word and top.score < s.lone_word_sure
        if top.score >= s.answer_threshold and top.score - runner_up >= s.margin and not ambiguous:
            return self._target_reply(top, lang)
        second = likely[1] if len(likely) > 1 else None
        if (
            top.score >= s.answer_threshold
            and not ambiguous
            and second is not None
            and top.target.kind == second.target.kind == "faq"
        ):
            return self._answer_offering_second(top, second, lang)
        if ambiguous:
            likely = [c for c in candidates if c.score >= top.score - s.lone_word_spread]
        suggestions = [
            Suggestion(c.target.id, self.title(c.target.id, lang))
            for c in likely
            if c.target.kind == "faq"
        ][: s.max_suggestions]
        if len(suggestions) == 1 and not ambiguous and self._lone_and_clear(candidates):
            return self._target_reply(top, lang)
        if top.score >= s.answer_threshold and len(suggestions) <= 1:
            return self._target_reply(top, lang)
        if not suggestions:
            return self.fallback(lang, candidates)
        return Reply(
            "suggestions",
            None,
            top.score,
            lang,
            self.kb.message("did_you_mean", lang),
            suggestions=tuple(suggestions),
        )

    def _lone_and_clear(self, candidates: list[Candidate]) -> bool:
        """Tell whether the best candidate, an entry, leads every other by `single_lead`.

        A list with a single entry asks a question whose answer is almost always yes.
        """
        top, rest = candidates[0], candidates[1:]
        lead = top.score - (rest[0].score if rest else 0.0)
        return top.target.kind == "faq" and lead >= self.settings.single_lead

    def _answer_offering_second(self, top: Candidate, second: Candidate, lang: Lang) -> Reply:
        """Answer the first of two close entries and offer the second as the first button."""
        reply = self.entry_reply(top.target.id, lang, top.score)
        title = self.title(second.target.id, reply.lang)
        offer = Suggestion(second.target.id, title)
        others = tuple(r for r in reply.related if r.id != offer.id)
        return replace(
            reply,
            text=reply.text + "\n\n" + self.kb.message("or_did_you_mean", reply.lang, title=title),
            related=(offer, *others)[: self.settings.max_suggestions],
        )

    def _target_reply(self, candidate: Candidate, lang: Lang) -> Reply:
        """Answer with the entry or intent a candidate stands for."""
        if candidate.target.kind == "intent":
            intent = self.kb.intents[candidate.target.id]
            return self._intent_reply(intent, candidate.score, lang)
        return self.entry_reply(candidate.target.id, lang, candidate.score)

    def entry_reply(self, entry_id: str, lang: str | None, score: float = 1.0) -> Reply:
        """Answer with one knowledge entry (also used when a suggestion button is pressed)."""
        entry = self.kb.entries[entry_id]
        reply_lang = self._available(entry.texts, self.supported(lang))
        text = entry.texts[reply_lang]
        # Where an answer says help exists, the help comes first, then the partner and the rest.
        links = self.service_links(entry.services)
        partner = self.kb.partners.get(entry.partner or "")
        if partner is not None:
            links.append(Link(partner.name, partner.url))
        links.extend(text.links)
        related = tuple(
            Suggestion(rid, self.title(rid, reply_lang))
            for rid in entry.related
            if rid in self.kb.entries
        )[:3]
        answer = self._fill(text.answer)
        draft = self._is_draft(reply_lang)
        if draft:
            answer = answer.rstrip() + "\n\n" + self.kb.message("draft_note", reply_lang)
        return Reply(
            "faq",
            entry.id,
            score,
            reply_lang,
            answer,
            links=tuple(_unique(links)),
            related=related,
            draft=draft,
        )

    def intent_reply(self, intent_id: str, lang: str | None) -> Reply:
        """Answer with an intent directly (used by commands such as /help)."""
        return self._intent_reply(self.kb.intents[intent_id], 1.0, self.supported(lang) or "de")

    def search(self, text: str, limit: int = 5) -> list[Reply]:
        """Return direct answers for the entries a text likely means (for inline mode)."""
        lang = choose_language(text, vocabulary=self.vocabulary, languages=self.kb.languages)
        # Ranking `limit` more than there are intents leaves `limit` entries after dropping them.
        matcher = self.matcher_for(lang)
        ranked = matcher.rank(text, limit=limit + len(self.kb.intents))
        return [
            self.entry_reply(c.target.id, lang, c.score)
            for c in ranked
            if c.target.kind == "faq" and c.score >= self.settings.suggest_threshold
        ][:limit]

    def _intent_reply(self, intent: Intent, score: float, lang: Lang) -> Reply:
        """Answer with an intent's reply, plus what its action adds."""
        reply_lang = self._available(intent.texts, lang)
        variants = intent.texts[reply_lang].replies
        # Deterministic variety: the same situation gets the same wording in tests and logs.
        text = self._fill(variants[zlib.crc32(f"{intent.id}{score:.3f}".encode()) % len(variants)])
        links: list[Link] = []
        if intent.action == "contacts":
            text += "\n\n" + self.partner_lines(reply_lang)
            links = self.partner_links()
        else:
            links = self.service_links(intent.services)
        return Reply(
            "intent", intent.id, score, reply_lang, text, links=tuple(links), action=intent.action
        )

    def fallback(self, lang: Lang, candidates: list[Candidate] | None = None) -> Reply:
        """Honestly say the bot does not know, what it can do, and where to ask instead."""
        text = self.kb.message("fallback", lang)
        links = self.partner_links()
        urgent = self._urgent(candidates or [])
        if urgent is not None and urgent[1] >= self.settings.emergency_hint:
            intent = urgent[0]
            text = self.kb.message(f"fallback_{intent.id}", lang) + "\n\n" + text
            links = self.service_links(intent.services) + links
        top = candidates[0].score if candidates else 0.0
        return Reply("fallback", None, top, lang, text, links=tuple(links))

    def _declined(self, candidate: Candidate) -> bool:
        """Tell whether a candidate is an intent of messages the bot should not answer."""
        intent = self.kb.intents.get(candidate.target.id)
        return (
            candidate.target.kind == "intent" and intent is not None and intent.action == "fallback"
        )

    def _urgent(self, candidates: list[Candidate]) -> tuple[Intent, float] | None:
        """Return the best-ranked high-priority intent (danger, crisis) and its score."""
        for c in candidates:
            intent = self.kb.intents.get(c.target.id) if c.target.kind == "intent" else None
            if intent is not None and intent.high_priority:
                return intent, c.score
        return None

    def contacts(self, lang: str | None) -> Reply:
        """Reply with all partners and their websites (the /kontakt command)."""
        reply_lang = self.supported(lang) or "de"
        text = (
            self.kb.message("fallback_contacts", reply_lang)
            + "\n\n"
            + self.partner_lines(reply_lang)
        )
        return Reply(
            "intent",
            "contacts",
            1.0,
            reply_lang,
            text,
            links=tuple(self.partner_links()),
            action="contacts",
        )

    def contracts(self, lang: str | None) -> Reply:
        """Reply with the four contracts and their partners (the /vertraege command)."""
        reply_lang = self.supported(lang) or "de"
        text = (
            self.kb.message("contracts_intro", reply_lang)
            + "\n\n"
            + self.partner_lines(reply_lang, "contract_line")
        )
        # A menu answer, not a matched intent: no id, so it is never logged as one.
        return Reply("intent", None, 1.0, reply_lang, text, links=tuple(self.partner_links()))

    def none_of_these(self, lang: str | None) -> Reply:
        """Reply when none of the suggestions fit: thanks, and the partners to ask directly."""
        reply_lang = self.supported(lang) or "de"
        return Reply(
            "fallback",
            None,
            0.0,
            reply_lang,
            self.kb.message("none_of_these_reply", reply_lang),
            links=tuple(self.partner_links()),
        )

    def privacy_notice(self, lang: str | None, contact: str = "", legal_basis: str = "") -> str:
        """Return the privacy notice with operator, contact, legal basis and retention filled in."""
        reply_lang = self.supported(lang) or "de"
        kb = self.kb
        return kb.message(
            "privacy",
            reply_lang,
            operator=self.deployment.operator,
            contact=kb.message("operator_contact", reply_lang, contact=contact) if contact else "",
            legal_basis=(
                kb.message("legal_basis", reply_lang, legal_basis=legal_basis)
                if legal_basis
                else kb.message("legal_basis_unset", reply_lang)
            ),
            retention_days=str(self.deployment.retention_days),
        )

    def partner_lines(self, lang: Lang, key: str = "partner_line") -> str:
        """Return one line per partner, e.g. its description or its contract's topic."""
        lines = []
        for partner in self.kb.partners.values():
            texts = partner.texts[self._available(partner.texts, lang)]
            lines.append(
                "• "
                + self.kb.message(
                    key,
                    lang,
                    name=partner.name,
                    description=texts.description,
                    contract=texts.contract,
                )
            )
        return "\n".join(lines)

    def partner_links(self) -> list[Link]:
        """Return the partners' websites as links."""
        return [Link(p.name, p.url) for p in self.kb.partners.values()]

    def service_links(self, ids: tuple[str, ...]) -> list[Link]:
        """Return the websites of the named help services, in the order given."""
        return [
            Link(s.name, s.url) for s in (self.kb.services.get(i) for i in ids) if s is not None
        ]

    def title(self, entry_id: str, lang: Lang) -> str:
        """Return an entry's title in the language (or the one it has)."""
        entry: Entry = self.kb.entries[entry_id]
        return entry.texts[self._available(entry.texts, lang)].title

    def _fill(self, text: str) -> str:
        """Fill {operator}, {retention_days} and {languages}; other braces stay as written."""
        return (
            text.replace("{operator}", self.deployment.operator)
            .replace("{retention_days}", str(self.deployment.retention_days))
            .replace("{languages}", self.kb.language_names)
        )

    def _is_draft(self, lang: Lang) -> bool:
        """Tell whether a language's texts still wait for a native speaker's check."""
        return any(x.code == lang and x.review == "draft" for x in self.kb.languages)

    def supported(self, code: str | None) -> Lang | None:
        """Map a language code such as 'en-GB' to one the knowledge has, else None."""
        return supported(code, self.kb.codes)

    def _available(self, texts: Mapping[Lang, object], wanted: Lang | None) -> Lang:
        """Return the wanted language if the item has it, else the first it has (German first)."""
        if wanted is not None and wanted in texts:
            return wanted
        return next((lang for lang in self.kb.codes if lang in texts), next(iter(texts)))


def _unique(links: list[Link]) -> list[Link]:
    """Drop repeated URLs, keeping the first title."""
    seen: set[str] = set()
    result = []
    for link in links:
        if link.url not in seen:
            seen.add(link.url)
            result.append(link)
    return result

from hypothesis import given
from hypothesis import strategies as st

from bot.core.text import (
    MAX_QUESTION_CHARS,
    SynonymMap,
    TypoCorrector,
    fold,
    stems,
    tokens,
    word_features,
)


def test_umlaut_spellings_meet() -> None:
    variants = [
        "Integrationsverträge",
        "integrationsvertraege",
        "integrationsvertrage",
        "INTEGRATIONSVERTRÄGE",
    ]
    assert len({fold(v) for v in variants}) == 1


def test_sharp_s_and_accents_fold() -> None:
    assert fold("Straße") == fold("strasse")
    assert fold("Café Zürich") == "cafe zurich"


def test_markup_and_punctuation_become_spaces() -> None:
    assert fold("<b>DRK?!</b>") == "drk"
    assert fold('<a href="x">Anne   Frank</a>, 3 < 4 > 2') == "anne frank 3 4 2"


def test_synonyms_map_to_first_word() -> None:
    synonyms = SynonymMap([["drk", "deutsches rotes kreuz", "rotes kreuz", "red cross"]])
    assert synonyms.apply(fold("Rotes Kreuz und Red Cross")) == "drk und drk"
    # The longest variant wins: not "deutsches drk".
    assert synonyms.apply(fold("Deutsches Rotes Kreuz hilft")) == "drk hilft"


def test_synonyms_survive_inflection() -> None:
    synonyms = SynonymMap([["drk", "rotes kreuz"], ["jugendring", "hessischer jugendring"]])
    for text in ("das rote kreuz ding", "beim Roten Kreuz", "des Roten Kreuzes Arbeit"):
        assert "drk" in synonyms.apply(fold(text)).split(), text
    assert synonyms.apply(fold("dem hessischen Jugendring")) == "dem jugendring"
    # Words that only look alike stay: "rot" alone is not the Red Cross.
    assert synonyms.apply(fold("das rote Auto")) == "das rote auto"


def test_word_features_are_stemmed() -> None:
    assert word_features(fold("Verträge")) == word_features(fold("Vertrag")) == ["vertrag"]


@given(st.text())
def test_fold_never_fails_and_is_bounded(text: str) -> None:
    folded = fold(text)
    assert len(folded) <= MAX_QUESTION_CHARS * 4
    assert folded == folded.strip()


def test_typos_are_corrected_toward_known_words_only() -> None:
    known = ["hessischer", "jugendring", "behorden", "anne", "frank", "an", "drk"]
    known_stems = {stem for word in known for stem in stems(word)}
    typos = TypoCorrector(known, known_stems, max_distance=2, min_length=4)
    assert typos.correct("hesischer jugenring") == "hessischer jugendring"
    # Long words may be two edits away, shorter ones only one.
    assert typos.correct("jugndrng") == "jugendring"
    assert typos.correct("frnak") == "frnak"
    # Known words, short words, numbers and other forms of a known word stay as written.
    assert typos.correct("anne ane an 110 behorde") == "anne ane an 110 behorde"
    off = TypoCorrector(known, known_stems, max_distance=0, min_length=4)
    assert off.correct("jugenring") == "jugenring"


def test_other_scripts_are_kept_and_their_variants_meet() -> None:
    # Arabic: vowel signs, tatweel and hamza forms do not separate words.
    assert fold("مُسَاعَدَة") == fold("مساعده") == fold("مساعـــدة")
    assert fold("أين") == fold("اين") and fold("إلى") == fold("الى") == fold("الي")
    # Persian keheh/yeh and the zero-width non-joiner meet the Arabic forms and plain spelling.
    assert fold("کمک می\u200cخواهم") == fold("كمك ميخواهم")
    # Arabic-Indic and Persian digits are digits: the emergency number in every script.
    assert fold("١١٠") == fold("۱۱۰") == "110"
    # Turkish dotted and dotless i, and its letters typed without marks.
    assert fold("İstanbul'da ışık") == fold("istanbulda isik".replace("da", " da", 1))
    assert fold("çocuğum şikayet") == "cocugum sikayet"
    # Cyrillic stays Cyrillic; ё meets е.
    assert fold("Помощь! Ещё") == "помощь еще"
    assert tokens(fold("Допомога, будь ласка")) == ["допомога", "будь", "ласка"]

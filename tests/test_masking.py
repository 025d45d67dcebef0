import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.storage.masking import (
    EMAIL_PLACEHOLDER,
    IBAN_PLACEHOLDER,
    PHONE_PLACEHOLDER,
    mask_personal_data,
)

PHONES = [
    "0171 1234567",
    "0171-1234567",
    "0171/1234567",
    "01711234567",
    "0171 123 45 67",
    "+49 171 1234567",
    "+491711234567",
    "+49 (0)171 1234567",
    "+49(0)171-1234567",
    "+49 (0) 171 / 123 45 - 67",
    "0049 171 1234567",
    "069/123456",
    "069 / 12 34 56",
    "(0)69-12 34 56",
    "(069) 12 34 56",
    "+49 69 1234-567",
    "0611 / 817-0",
    "030 12345678",
    "0800 111 0 111",
    "0171.123.45.67",
    "+1 (555) 123-4567",
    "+44 20 7946 0958",
    "+43 1 5352700",
    "0171\u00a01234567",
    "0171 \u2013 1234567",
]


@pytest.mark.parametrize("phone", PHONES)
def test_phone_numbers_are_masked(phone: str) -> None:
    masked = mask_personal_data(f"Bitte ruf mich an unter {phone}, danke!")
    assert masked == f"Bitte ruf mich an unter {PHONE_PLACEHOLDER}, danke!"


@pytest.mark.parametrize(
    "text",
    [
        "Notruf 110 oder 112",
        "Nummer gegen Kummer: 116 111",
        "Ärztlicher Bereitschaftsdienst 116 117",
        "Was regelt § 14 IntTG?",
        "Gilt das seit 2023?",
        "Die Verträge wurden am 09.05.2018 und am 3.6.2019 unterzeichnet.",
        "Förderzeitraum 01.01.2023 - 31.12.2024",
        "Schuljahr 2023/2024",
        "Zeitraum 2023-2025",
        "Stichtag 2024-03-12",
        "Es gibt 1.500.000 Euro Förderung, davon 12.500 für Projekte.",
        "Preis 1.234,56 €",
        "Sprechzeit 10:00 - 12:00 Uhr, Mo-Fr",
        "Kinder von 6 bis 12 Jahren, Gruppe 3 (1) 2",
        "PLZ 60311 Frankfurt",
        "Python 3.11.7",
        "Ich habe 4 Kinder und wohne seit 15 Jahren in Hessen.",
        "",
    ],
)
def test_ordinary_numbers_stay(text: str) -> None:
    assert mask_personal_data(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "Meine Kundennummer ist 12345678",
        "Meine Telegram-ID: 987654321",
        "Aktenzeichen 12 345 678",
    ],
)
def test_long_digit_sequences_are_masked_even_if_not_phones(text: str) -> None:
    masked = mask_personal_data(text)
    assert PHONE_PLACEHOLDER in masked
    assert not re.search(r"\d{3}", masked)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("max.mustermann@example.de", EMAIL_PLACEHOLDER),
        ("Schreib an anna-lena.müller@beispiel-verein.de!", f"Schreib an {EMAIL_PLACEHOLDER}!"),
        ("Mail: info+bot@mail.example.co.uk.", f"Mail: {EMAIL_PLACEHOLDER}."),
        ("<MAX_1990@WEB.DE>", f"<{EMAIL_PLACEHOLDER}>"),
        ("max (at) example (dot) de", EMAIL_PLACEHOLDER),
        ("max[at]example.org", EMAIL_PLACEHOLDER),
        ("kontakt [ät] verein [punkt] de bitte", f"{EMAIL_PLACEHOLDER} bitte"),
        ("a@b.de und c@d.com", f"{EMAIL_PLACEHOLDER} und {EMAIL_PLACEHOLDER}"),
    ],
)
def test_email_addresses_are_masked(text: str, expected: str) -> None:
    assert mask_personal_data(text) == expected


def test_email_with_digits_is_masked_as_email_not_phone() -> None:
    assert mask_personal_data("max01711234567@example.de") == EMAIL_PLACEHOLDER


@pytest.mark.parametrize("text", ["user@localhost", "Treffpunkt @ Bahnhof", "Wir sind @ 20 Uhr da"])
def test_things_that_are_not_email_addresses_stay(text: str) -> None:
    assert mask_personal_data(text) == text


@pytest.mark.parametrize(
    "iban",
    [
        "DE89 3704 0044 0532 0130 00",
        "DE89370400440532013000",
        "de89 3704 0044 0532 0130 00",
        "DE89\u00a03704\u00a00044\u00a00532\u00a00130\u00a000",
        "GB82 WEST 1234 5698 7654 32",
        "NL91ABNA0417164300",
        "FR14 2004 1010 0505 0001 3M02 606",
        "CH93 0076 2011 6238 5295 7",
        "AT61 1904 3002 3457 3201",
        "NO93 8601 1117 947",
        # Mistyped (checksum fails): still somebody's account number.
        "DE12 3456 7890 1234 5678 90",
    ],
)
def test_ibans_are_masked(iban: str) -> None:
    assert (
        mask_personal_data(f"Meine IBAN ist {iban} ok") == f"Meine IBAN ist {IBAN_PLACEHOLDER} ok"
    )


def test_words_after_an_iban_are_kept() -> None:
    assert (
        mask_personal_data("AT61 1904 3002 3457 3201 ist meine Nummer")
        == f"{IBAN_PLACEHOLDER} ist meine Nummer"
    )


def test_iban_followed_by_phone_masks_both() -> None:
    text = "DE89 3704 0044 0532 0130 00 0171 1234567"
    assert mask_personal_data(text) == f"{IBAN_PLACEHOLDER} {PHONE_PLACEHOLDER}"


def test_prose_that_starts_like_an_iban_stays() -> None:
    text = "ab12 cdef ghij klmn opqr"
    assert mask_personal_data(text) == text


def test_mixed_message() -> None:
    text = (
        "Hallo, ich bin Max (max@example.de, Tel. +49 171 1234567). "
        "Überweisung an DE89 3704 0044 0532 0130 00 am 12.03.2024?"
    )
    assert mask_personal_data(text) == (
        f"Hallo, ich bin Max ({EMAIL_PLACEHOLDER}, Tel. {PHONE_PLACEHOLDER}). "
        f"Überweisung an {IBAN_PLACEHOLDER} am 12.03.2024?"
    )


SEPARATORS = st.sampled_from([" ", "-", "/", " / ", " - ", ".", "\u00a0", "\u2013", ""])
PREFIXES = st.sampled_from(["0{area}", "+49 {area}", "+49{area}", "0049 {area}", "+49 (0){area}"])
LETTERS = st.text(
    alphabet=st.characters(categories=["L"], max_codepoint=0x24F), min_size=0, max_size=20
)


@st.composite
def phone_numbers(draw: st.DrawFn) -> str:
    area = draw(st.from_regex(r"[1-9][0-9]{1,3}", fullmatch=True))
    head = draw(PREFIXES).format(area=area)
    if head.startswith("0") and not head.startswith("00") and draw(st.booleans()):
        head = f"({head})"
    subscriber = draw(st.from_regex(r"[0-9]{4,8}", fullmatch=True))
    groups: list[str] = []
    while subscriber:
        size = draw(st.integers(min_value=1, max_value=len(subscriber)))
        groups.append(subscriber[:size])
        subscriber = subscriber[size:]
    number = head + draw(SEPARATORS.filter(bool)) + groups[0]
    for group in groups[1:]:
        number += draw(SEPARATORS) + group
    return number


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdecimal())


@settings(max_examples=500)
@given(before=LETTERS, phone=phone_numbers(), after=LETTERS)
def test_masked_text_never_keeps_seven_digits_of_a_phone(
    before: str, phone: str, after: str
) -> None:
    masked = mask_personal_data(f"{before} {phone} {after}")
    digits = _digits(phone)
    assert len(digits) >= 7
    left = _digits(masked)
    for start in range(len(digits) - 6):
        assert digits[start : start + 7] not in left
    assert PHONE_PLACEHOLDER in masked


@settings(max_examples=500)
@given(st.text(max_size=200))
def test_output_never_holds_seven_digits_in_a_row(text: str) -> None:
    assert re.search(r"\d{7}", mask_personal_data(text)) is None


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(list("0123456789 .-/()+@deDE")), max_size=80))
def test_masking_is_idempotent(text: str) -> None:
    once = mask_personal_data(text)
    assert mask_personal_data(once) == once


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(categories=["L", "Zs", "P"], exclude_characters="@")))
def test_text_without_digits_or_at_sign_is_unchanged(text: str) -> None:
    # "(at)" spellings need an "at" between brackets; that is the only change allowed here.
    if re.search(r"[\[(]\s?(?:at|ät)\s?[\])]", text, re.IGNORECASE):
        return
    assert mask_personal_data(text) == text

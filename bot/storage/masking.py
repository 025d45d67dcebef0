"""Masking of personal data (e-mail addresses, IBANs, phone numbers) in free text."""

import re

EMAIL_PLACEHOLDER = "[E-Mail]"
IBAN_PLACEHOLDER = "[IBAN]"
PHONE_PLACEHOLDER = "[Telefon]"

# Shorter digit groups stay: emergency and help lines (110, 112, 116 111) are public, and
# short numbers in questions are mostly years, paragraphs or amounts the log needs.
MIN_PHONE_DIGITS = 7
# Every IBAN has at least this many digits (Norway, the shortest, has 13); the rule keeps
# prose such as "ab12 cdef ghij klmn" from being taken for an account number.
_MIN_IBAN_DIGITS = 10

# Horizontal white space only: a number split over two lines is more likely two numbers.
_SPACE = r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]"
_DASH = r"[/\-\u2010-\u2015\u2212]"

# "(at)", "[ät]", "(dot)", "[punkt]": how people hide addresses from spam harvesters.
_AT = rf"(?:@|{_SPACE}?[\[(]{_SPACE}?(?:at|ät){_SPACE}?[\])]{_SPACE}?)"
_DOT = rf"(?:\.|{_SPACE}?[\[(]{_SPACE}?(?:dot|punkt){_SPACE}?[\])]{_SPACE}?)"
# The look-behind lets a match start only at the beginning of a token, which keeps the
# search linear on long runs of dotted text.
_EMAIL_RE = re.compile(
    rf"(?<![\w.%+-])[\w%+-]+(?:\.[\w%+-]+)*{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}[^\W\d_]{{2,}}\b",
    re.IGNORECASE,
)

# Country code, check digits, then 11 to 30 letters or digits with optional single spaces
# (printed IBANs come in groups of four, typed ones often without spaces or in lower case).
# ASCII mode: the checksum maths below only knows A-Z and 0-9.
_IBAN_RE = re.compile(
    rf"\b[A-Z]{{2}}\d\d(?:{_SPACE}?[A-Z0-9]){{11,30}}\b", re.IGNORECASE | re.ASCII
)
# Words after an IBAN ("... 0130 00 ist meine") match the pattern too; they are given back.
_TRAILING_WORDS_RE = re.compile(rf"(?:{_SPACE}+[^\d\s]+)+\Z")

# A phone number: optional "+", then digit groups joined by spaces, slashes, dashes or dots.
# A bracketed group as in "+49 (0)69", "(069) 12 34 56" or "(069)-123" may touch its
# neighbours without a separator.
_UNIT = rf"(?:\d+{_SPACE}{{0,2}})?\(\d{{1,5}}\)(?:{_SPACE}{{0,2}}\d+)?|\d+"
_JOIN = rf"{_SPACE}{{0,2}}{_DASH}{_SPACE}{{0,2}}|\.|{_SPACE}{{1,2}}"
_PHONE_RE = re.compile(rf"(?<!\d)(?:\+{_SPACE}?)?(?:{_UNIT})(?:(?:{_JOIN})(?:{_UNIT}))*")

# Digit sequences with 7+ digits that are not phone numbers: dates, years and amounts,
# alone or as ranges and lists ("01.01.2023 - 31.12.2023", "2023/2024", "1.500.000").
_YEAR = r"(?:19|20)\d\d"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_DATE = rf"{_DAY}\.{_MONTH}(?:\.(?:{_YEAR}|\d\d))?"
_ISO_DATE = rf"{_YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
_AMOUNT = r"[1-9]\d{0,2}(?:\.\d{3})+"
_NOT_A_PHONE = rf"(?:{_ISO_DATE}|{_DATE}|{_AMOUNT}|{_YEAR})"
_NOT_A_PHONE_RE = re.compile(
    rf"{_NOT_A_PHONE}(?:(?:{_SPACE}*{_DASH}{_SPACE}*|{_SPACE}+){_NOT_A_PHONE})*",
    re.ASCII,
)


def mask_personal_data(text: str) -> str:
    """Replace e-mail addresses, IBANs and phone numbers in text with placeholders."""
    # E-mail first, so digits in an address do not become a phone number; IBANs before
    # phones, because the digit groups of an IBAN look like a phone number too.
    text = _EMAIL_RE.sub(EMAIL_PLACEHOLDER, text)
    text = _IBAN_RE.sub(_mask_iban, text)
    return _PHONE_RE.sub(_mask_phone, text)


def _mask_iban(match: re.Match[str]) -> str:
    candidate = match.group()
    trailing = _TRAILING_WORDS_RE.search(candidate)
    core = candidate[: trailing.start()] if trailing else candidate
    rest = candidate[len(core) :]
    # The longest prefix (ending at a space) with a valid checksum is the IBAN; whatever
    # follows, e.g. a phone number, is left for the phone rule.
    for end in _token_ends(core):
        if _looks_like_iban(core[:end]) and _iban_checksum_ok(core[:end]):
            return IBAN_PLACEHOLDER + core[end:] + rest
    # A mistyped IBAN fails the checksum but is still somebody's account number.
    if _looks_like_iban(core):
        return IBAN_PLACEHOLDER + rest
    return candidate


def _token_ends(text: str) -> list[int]:
    ends = [m.end() for m in re.finditer(r"\S+", text)]
    return sorted(ends, reverse=True)


def _looks_like_iban(text: str) -> bool:
    compact = re.sub(r"\s", "", text)
    digits = sum(ch.isdigit() for ch in compact)
    return 15 <= len(compact) <= 34 and digits >= _MIN_IBAN_DIGITS


def _iban_checksum_ok(text: str) -> bool:
    compact = re.sub(r"\s", "", text).upper()
    # ISO 13616: move the first four characters to the end, read letters as 10..35, mod 97.
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def _mask_phone(match: re.Match[str]) -> str:
    candidate = match.group()
    if sum(ch.isdecimal() for ch in candidate) < MIN_PHONE_DIGITS:
        return candidate
    # A leading "+" settles it; otherwise dates, years and amounts are kept.
    if not candidate.startswith("+") and _NOT_A_PHONE_RE.fullmatch(candidate):
        return candidate
    return PHONE_PLACEHOLDER

"""Addresses from `/msi invite` and CSV cells: splitting Slack's text, checking and normalising addresses."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.invitations import emails
from bot.invitations.emails import check_address, split_addresses

# Valid by construction (filtered through check_address for the rare "a..b" the regex lets through).
ADDRESSES = st.from_regex(
    r"[a-z][a-z0-9.]{0,10}[a-z0-9]@[a-z]{2,10}\.(com|co\.jp|org)", fullmatch=True
).filter(lambda address: check_address(address).ok)


@pytest.fixture
def validator_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Records every call to email-validator, with the caches emptied so earlier tests do not hide calls."""
    calls: list[str] = []

    def recording(text: str, **options: object) -> object:
        calls.append(text)
        return validate_email(text, **options)  # type: ignore[arg-type]

    emails._domain.cache_clear()
    emails._validate.cache_clear()
    monkeypatch.setattr(emails, "validate_email", recording)
    yield calls
    emails._domain.cache_clear()
    emails._validate.cache_clear()


# split_addresses

SPLITS = {
    "spaces, commas, semicolons and new lines, in order": (
        "a@example.com b@example.com,c@example.com;d@example.com\ne@example.com\r\nf@example.com",
        [f"{letter}@example.com" for letter in "abcdef"],
    ),
    "empty pieces between separators are dropped": (
        " ,, a@example.com ;;\n\n , b@example.com , ",
        ["a@example.com", "b@example.com"],
    ),
    "only separators and blanks": ("  \n ", []),
    "Slack's mailto link gives the label after the pipe": (
        "<mailto:ann@example.com|Ann@Example.com>, <mailto:bob@example.com|bob@example.com>",
        ["Ann@Example.com", "bob@example.com"],
    ),
    "a mailto link without label gives the address after mailto": (
        "<mailto:ann@example.com> <MAILTO:bob@example.com>",
        ["ann@example.com", "bob@example.com"],
    ),
    "a plain angle-bracketed address is unwrapped": (
        "<ann@example.com>,<bob@example.com>",
        ["ann@example.com", "bob@example.com"],
    ),
    "Slack-escaped ampersands come back as typed, and their semicolon does not split": (
        "r&amp;d@example.com;x@example.com",
        ["r&d@example.com", "x@example.com"],
    ),
    "Japanese full-width separators split too": (
        "a@example.jp、b@example.jp，c@example.jp\u3000d@example.jp",
        ["a@example.jp", "b@example.jp", "c@example.jp", "d@example.jp"],
    ),
    "words that are not addresses are kept for the invalid list": (
        "ann@example.com please",
        ["ann@example.com", "please"],
    ),
}


@pytest.mark.parametrize("case", SPLITS)
def test_split_addresses_gives_each_piece_as_typed_in_order(case: str) -> None:
    text, pieces = SPLITS[case]
    assert split_addresses(text) == pieces


# check_address


LONGEST = "a" * 64 + "@" + ".".join(["b" * 60, "c" * 60, "d" * 63]) + ".com"
# raw -> (normalized, key): the address as stored and shown, and what it is compared by.
NORMALIZED = {
    "trimmed, domain lower-cased, local part keeps its case": (
        "  Ann.Lee@Example.COM \t",
        "Ann.Lee@example.com",
        "ann.lee@example.com",
    ),
    "the same address in other cases has the same key": (
        "ann.lee@EXAMPLE.COM",
        "ann.lee@example.com",
        "ann.lee@example.com",
    ),
    "a role name is kept as typed although email-validator lower-cases it": (
        "Info@Example.com",
        "Info@example.com",
        "info@example.com",
    ),
    "an internationalised domain in its ASCII form becomes its Unicode form": (
        "taro@XN--R8JZ45G.jp",
        "taro@例え.jp",
        "taro@例え.jp",
    ),
    "an internationalised address": ("太郎@例え.JP", "太郎@例え.jp", "太郎@例え.jp"),
    "a decomposed accent is composed, so both spellings are one address": (
        unicodedata.normalize("NFD", "josé@example.com"),
        "josé@example.com",
        "josé@example.com",
    ),
    "a byte order mark and a zero-width space around it are trimmed": (
        "\ufeffann@example.com\u200b",
        "ann@example.com",
        "ann@example.com",
    ),
    "ideographic, zero-width and no-break spaces around it are trimmed": (
        "\u3000\u200b ann@example.com\xa0\u200b\n",
        "ann@example.com",
        "ann@example.com",
    ),
    "exactly 254 characters": (LONGEST, LONGEST, LONGEST),
}


@pytest.mark.parametrize("case", NORMALIZED)
def test_a_valid_address_is_normalised_and_keyed_case_insensitively(case: str) -> None:
    raw, normalized, key = NORMALIZED[case]
    check = check_address(raw)
    assert (check.ok, check.problem, check.raw) == (True, None, raw)
    assert (check.normalized, check.key) == (normalized, key)


def test_the_longest_address_is_254_characters() -> None:
    assert len(LONGEST) == 254


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        ("ann.example.com", "An email address must have an @-sign."),
        ("ann@example", "The part after the @-sign is not valid. It should have a period."),
        ("ann..lee@example.com", "An email address cannot have two periods in a row."),
        ("ann@localhost", "The part after the @-sign is not valid. It should have a period."),
        (
            "ann@example.test",
            "The part after the @-sign is a special-use or reserved name that cannot be used with email.",
        ),
        (
            "Ann Lee <ann@example.com>",
            "A display name and angle brackets around the email address are not permitted here.",
        ),
        (
            "ann＠example.com",
            'The email address has the "full-width" at-sign (@) character instead of a regular at-sign.',
        ),
    ],
)
def test_an_invalid_address_carries_email_validators_reason(raw: str, detail: str) -> None:
    check = check_address(raw)
    assert not check.ok
    assert (check.normalized, check.key, check.problem, check.detail) == (None, None, "email.invalid", detail)


def test_an_empty_or_blank_cell_is_a_missing_address() -> None:
    for raw in ("", "   ", "\ufeff"):
        check = check_address(raw)
        assert (check.ok, check.problem, check.detail) == (False, "email.missing", "")


def test_an_address_longer_than_254_characters_is_rejected_without_the_validator(
    validator_calls: list[str],
) -> None:
    raw = "a" * 250 + "@example.com"
    check = check_address(raw)
    assert (check.problem, check.detail) == (
        "email.too_long",
        "The email address is too long (8 characters too many).",
    )
    assert validator_calls == []


def test_control_characters_are_rejected_without_the_validator(validator_calls: list[str]) -> None:
    check = check_address("ann\x00lee@example.com")
    assert (check.problem, check.detail) == (
        "email.control_characters",
        "The email address contains a control character: U+0000.",
    )
    assert check_address("ann@exam\x7fple.com").problem == "email.control_characters"
    assert validator_calls == []


def test_many_addresses_on_a_few_domains_call_the_validator_once_per_domain(
    validator_calls: list[str],
) -> None:
    for number in range(3000):
        assert check_address(f"user{number}@Example{number % 3}.com").ok
    assert sorted(validator_calls) == ["x@Example0.com", "x@Example1.com", "x@Example2.com"]


def test_checking_the_same_unusual_address_twice_validates_it_once(validator_calls: list[str]) -> None:
    assert check_address("ann..lee@example.com").problem == "email.invalid"
    assert check_address("ann..lee@example.com").problem == "email.invalid"
    assert validator_calls == ["ann..lee@example.com"]


def test_japanese_and_accented_local_parts_take_the_fast_path_too(validator_calls: list[str]) -> None:
    for number in range(100):
        assert check_address(f"太郎{number}@例え.jp").ok
        assert check_address(f"josé{number}@example.es").ok
    assert sorted(validator_calls) == ["x@example.es", "x@例え.jp"]


def test_a_column_of_names_is_rejected_without_running_the_validator_for_each(
    validator_calls: list[str],
) -> None:
    for number in range(100):
        check = check_address(f"Ann Lee {number}")
        assert (check.problem, check.detail) == ("email.invalid", "An email address must have an @-sign.")
    assert len(validator_calls) == 1


def test_addresses_on_a_bad_domain_share_the_domains_reason(validator_calls: list[str]) -> None:
    for number in range(100):
        check = check_address(f"user{number}@intranet")
        assert check.detail == "The part after the @-sign is not valid. It should have a period."
    assert validator_calls == ["x@intranet"]


def test_the_plain_shapes_unicode_class_is_exactly_letters_and_digits() -> None:
    """quick_normalize relies on `\\w` beyond ASCII meaning Unicode categories L and N, which is what
    email-validator accepts in a local part without a closer look; a Python whose `re` disagrees fails
    here."""
    beyond_ascii = re.compile(r"\w")
    differing = [
        hex(code)
        for code in range(0x80, 0x110000)
        if (beyond_ascii.match(chr(code)) is not None) != (unicodedata.category(chr(code))[0] in "LN")
    ]
    assert differing == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ann.lee@example.com", "ann.lee@example.com"),
        ("Ann.Lee@Example.COM", "Ann.Lee@example.com"),
        ("josé.garcía@example.es", "josé.garcía@example.es"),
        ("太郎@例え.jp", "太郎@例え.jp"),
        ("ann@xn--r8jz45g.jp", "ann@例え.jp"),
        # Not decided here (check_address words the reason or normalises): surrounding spaces, a decomposed
        # accent, a combining mark, a bad domain, two @-signs, quoting.
        (" ann@example.com", None),
        ("ann@example.com\u200b", None),
        ("jose\u0301@example.es", None),
        ("ann@intranet", None),
        ("ann@@example.com", None),
        ('"ann lee"@example.com', None),
    ],
)
def test_quick_normalize_takes_only_what_it_can_decide_alone(raw: str, expected: str | None) -> None:
    assert emails.quick_normalize(raw) == expected
    if expected is not None:
        assert check_address(raw).normalized == expected


# The fast path must agree with email-validator on every string, not just on tidy ones.
# Also a combining accent, a zero-width space, a no-break space, a private-use character, look-alike
# at-signs, a Greek question mark (NFC makes it ";") and a Roman numeral (NFKC would change it).
ADDRESS_LIKE = st.text(
    alphabet=st.sampled_from(
        list("aZ09.-_+@'\"<>[]()é例ーｱ。＠﹫!#$%&*/=?^`{|}~ \x00\x7f\t\x85\u0301\u200b\xa0\ue000\u037e\u2163")
    ),
    max_size=40,
)
# Any letters, digits, marks and punctuation before real-looking domains: the Unicode fast path's ground.
UNICODE_LOCAL_PARTS = st.builds(
    lambda local, domain: local + "@" + domain,
    st.text(alphabet=st.characters(categories=("L", "N", "M", "P", "S")), min_size=1, max_size=12),
    st.sampled_from(
        ["example.com", "Example.ORG", "例え.jp", "xn--r8jz45g.jp", "xn--bad.jp", "exa mple.com"]
    ),
)
TOO_LONG = ADDRESSES.map(lambda address: "x" * (255 - len(address)) + address)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        ADDRESS_LIKE,
        ADDRESSES,
        TOO_LONG,
        UNICODE_LOCAL_PARTS,
        st.builds(lambda a, b: a + "@" + b, ADDRESS_LIKE, ADDRESS_LIKE),
    )
)
def test_check_address_agrees_with_email_validator(text: str) -> None:
    text = emails.trim(text)
    check = check_address(text)
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        assert not check.ok
        # Blank, over-long and control-character strings are turned away before the validator is asked.
        if not text:
            assert check.problem == "email.missing"
        elif len(text) > emails.MAX_LENGTH:
            assert check.problem == "email.too_long"
        elif any(ord(char) < 32 or 127 <= ord(char) < 160 for char in text):
            assert check.problem == "email.control_characters"
        else:
            assert (check.problem, check.detail) == ("email.invalid", str(error))
        return
    assert check.ok, check.detail
    assert check.normalized is not None
    local, _, domain = check.normalized.rpartition("@")
    assert domain == result.domain
    assert local == unicodedata.normalize("NFC", text.rpartition("@")[0])
    assert check.key == result.normalized.casefold()


SEPARATORS = st.sampled_from([" ", ",", ";", "\n", ", ", " ;\n", "\r\n"])


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(ADDRESSES, st.sampled_from(["mailto", "mailto-bare", "angle", "plain"]), SEPARATORS))
)
def test_addresses_in_slacks_escaped_forms_round_trip_through_split_and_check(
    items: list[tuple[str, str, str]],
) -> None:
    forms = {
        "mailto": "<mailto:{0}|{0}>",
        "mailto-bare": "<mailto:{0}>",
        "angle": "<{0}>",
        "plain": "{0}",
    }
    text = "".join(forms[form].format(address) + separator for address, form, separator in items)
    split = split_addresses(text)
    assert split == [address for address, _, _ in items]
    assert [check_address(piece).normalized for piece in split] == split

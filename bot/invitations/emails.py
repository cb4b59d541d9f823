"""Email addresses as people type them: split a `/msi invite` text, then check and normalise each address.

Pure functions, no I/O. Problems are reported as message keys (see bot.catalog) plus email-validator's own
reason text, so the caller decides how to word them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from email_validator import EmailNotValidError, validate_email

# RFC 5321's limit, which email-validator applies too; longer strings are rejected before the validator so a
# pasted paragraph (or a 5 MB CSV cell) costs nothing.
MAX_LENGTH = 254

# Besides ASCII separators, Japanese users type full-width commas, semicolons and the ideographic comma.
# (Unicode whitespace, including the ideographic space U+3000, is covered by \s.)
_SEPARATORS = r"\s,;，；、"
# A Slack escape `<...>` is one token even if its label holds a separator; anything else runs to the next
# separator or angle bracket. Slack's entities (`&amp;`) end in a semicolon that is not a separator.
_TOKEN = re.compile(rf"<[^<>]*>|(?:&(?:amp|lt|gt);|[^{_SEPARATORS}<>])+")
_MAILTO = re.compile(r"mailto:", re.IGNORECASE)
# Slack escapes these three characters in message and command text; `&` is legal in an address.
_SLACK_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">"}
_SLACK_ENTITY = re.compile("|".join(_SLACK_ENTITIES))

# What trimming removes: Unicode whitespace (as str.strip(), e.g. the ideographic space) plus the invisible
# characters that copy-paste from web pages and Excel leaves around addresses (BOM, zero-width spaces).
_TRIMMED = (
    "".join(chr(code) for code in range(0x3001) if chr(code).isspace()) + "\ufeff\u200b\u200c\u200d\u2060"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

# The common shape: a dot-atom local part (email-validator's DOT_ATOM_TEXT_INTL) and one @-sign. When the
# local part is ASCII, or Unicode letters and digits already in NFC, email-validator accepts it without
# condition and judges the domain on its own; so the domain's verdict is cached and the full validator
# (tens of microseconds an address) only runs for rarer shapes. This is what keeps 80,000 CSV rows fast.
_ATEXT = r"A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\U0010FFFF"
_FAST_SHAPE = re.compile(rf"[{_ATEXT}]+(?:\.[{_ATEXT}]+)*@[^@]+")
# The part of that shape that needs no further look at the local part: ASCII atext, and beyond ASCII only
# letters and digits. `\w` is ASCII letters, digits and "_", and beyond ASCII exactly Unicode categories L
# and N (tests/test_emails.py checks every code point), so one class says it all. No whitespace, control or
# invisible character at either end, so nothing to trim.
_PLAIN_ATOM = r"[\w!#$%&'*+/=?^`{|}~\-]+"
_PLAIN_LOCAL = rf"{_PLAIN_ATOM}(?:\.{_PLAIN_ATOM})*"
_PLAIN_SHAPE = re.compile(rf"({_PLAIN_LOCAL})@([^@\s\x00-\x1f\x7f-\x9f\ufeff\u200b\u200c\u200d\u2060]+)")
_PLAIN_LOCAL_PART = re.compile(_PLAIN_LOCAL)
# Stand-ins whose error email-validator words exactly as for any string without an @-sign (it looks for
# look-alike at-signs first).
_NO_AT_SIGN_SAMPLES = (("＠", "a＠b"), ("﹫", "a﹫b"))


class AddressCheck(NamedTuple):
    """The verdict on one address: either `normalized` is set, or `problem` (a message key) and `detail`.

    Problems: "email.missing" (blank), "email.too_long" (over 254 characters), "email.control_characters",
    "email.invalid" (anything email-validator rejects).
    """

    raw: str
    normalized: str | None
    problem: str | None = None
    # The reason in English: email-validator's own for "email.invalid", worded alike for the two checks made
    # before it; empty for "email.missing".
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.normalized is not None

    @property
    def key(self) -> str | None:
        """What two addresses are compared by: mailbox providers treat local parts case-insensitively."""
        return None if self.normalized is None else self.normalized.casefold()


def split_addresses(text: str) -> list[str]:
    """The addresses in a `/msi invite` text, in order, with Slack's `<mailto:…|…>` and `<…>` unwrapped."""
    found: list[str] = []
    for token in _TOKEN.findall(text):
        if token.startswith("<"):
            inner = token[1:-1]
            if "|" in inner:
                # The label is what the person typed; the link target may have been rewritten by Slack.
                inner = inner.rsplit("|", 1)[1]
            elif _MAILTO.match(inner):
                inner = inner[len("mailto:") :]
            token = inner
        elif _MAILTO.match(token):
            token = token[len("mailto:") :]
        token = _SLACK_ENTITY.sub(lambda match: _SLACK_ENTITIES[match.group(0)], token).strip()
        if token:
            found.append(token)
    return found


def trim(raw: str) -> str:
    """The text of a cell or command argument without surrounding whitespace and invisible characters."""
    return raw.strip(_TRIMMED)


def quick_normalize(text: str) -> str | None:
    """The normalised address when `text` has the common shape and email-validator accepts it; None when
    check_address must decide (also for invalid addresses, whose reason it words).

    One regex match, an NFC check for non-ASCII local parts and a cached domain verdict, with no
    AddressCheck built: the CSV reader calls this for each of up to 80,000 rows.
    """
    # Length first: a pasted paragraph (or a 5 MB cell) is not run through the regex.
    match = _PLAIN_SHAPE.fullmatch(text) if len(text) <= MAX_LENGTH else None
    if match is None:
        return None
    local, domain = match.groups()
    ascii_local = local.isascii()
    # With only letters and digits beyond ASCII, NFC is all email-validator's Unicode checks still ask.
    if not ascii_local and not unicodedata.is_normalized("NFC", local):
        return None
    valid, normalized_domain, ascii_domain = _domain(domain)
    if not valid:
        return None
    if domain == normalized_domain:
        # Reuse the typed string when nothing changes: 80,000 copies of addresses add up.
        if ascii_local and text.isascii():
            return text
        normalized = text
    else:
        normalized = local + "@" + normalized_domain
    # email-validator limits the typed, the normalised and the IDNA-ASCII forms, in UTF-8 bytes.
    longest = max(len(text.encode()), len(normalized.encode()), len(local.encode()) + 1 + len(ascii_domain))
    return normalized if longest <= MAX_LENGTH else None


def check_address(raw: str) -> AddressCheck:
    """Check and normalise one address: trimmed, domain lower-cased (IDNA-normalised), local part as typed."""
    quick = quick_normalize(raw)
    if quick is not None:
        return AddressCheck(raw, quick)
    text = trim(raw)
    if not text:
        return AddressCheck(raw, None, "email.missing")
    if len(text) > MAX_LENGTH:
        too_many = len(text) - MAX_LENGTH
        plural = "s" if too_many > 1 else ""
        detail = f"The email address is too long ({too_many} character{plural} too many)."
        return AddressCheck(raw, None, "email.too_long", detail)
    control = _CONTROL.search(text)
    if control is not None:
        detail = f"The email address contains a control character: U+{ord(control.group(0)):04X}."
        return AddressCheck(raw, None, "email.control_characters", detail)
    if "@" not in text and "<" not in text:
        # A name in the email column (a wrong mapping makes 80,000 of them): same reason, no validator run.
        sample = next((sample for sign, sample in _NO_AT_SIGN_SAMPLES if sign in text), "a")
        return AddressCheck(raw, None, "email.invalid", _validate(sample)[0])
    if text is not raw:
        quick = quick_normalize(text)  # what was around it is trimmed now
        if quick is not None:
            return AddressCheck(raw, quick)
    if _FAST_SHAPE.fullmatch(text):
        local, domain = text.split("@")
        if _PLAIN_LOCAL_PART.fullmatch(local) and (
            local.isascii() or unicodedata.is_normalized("NFC", local)
        ):
            valid, reason, _ = _domain(domain)
            if not valid and not reason.startswith("The email address is too long"):
                # email-validator accepts such a local part, so the domain's reason is the address's, except
                # for length: the stand-in local part is shorter.
                return AddressCheck(raw, None, "email.invalid", reason)
    normalized_or_reason, valid = _validate(text)
    if valid:
        return AddressCheck(raw, normalized_or_reason)
    return AddressCheck(raw, None, "email.invalid", normalized_or_reason)


@lru_cache(maxsize=4096)
def _domain(domain: str) -> tuple[bool, str, str]:
    """(True, normalised, IDNA-ASCII) for a domain email-validator accepts, else (False, its reason, "").

    email-validator checks the domain independently of the local part, so a stand-in local part gives the same
    verdict. Company files repeat a handful of domains, which makes this cache nearly always hit.
    """
    try:
        result = validate_email("x@" + domain, check_deliverability=False)
    except EmailNotValidError as error:
        return False, str(error), ""
    return True, result.domain, result.ascii_domain


@lru_cache(maxsize=4096)
def _validate(text: str) -> tuple[str, bool]:
    """(normalised address, True) or (email-validator's reason, False); cached for re-checks of a draft."""
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        return str(error), False
    # email-validator lower-cases role names such as Info@ (RFC 2142); this bot keeps every local part as
    # typed, in the NFC form the validator checked. A valid address has exactly one @: no quoting allowed.
    local = unicodedata.normalize("NFC", text.rpartition("@")[0])
    return local + "@" + result.domain, True

"""Email addresses as people type them: split a `/msi invite` text, then check and normalise each address.

Pure functions, no I/O. Problems are reported as message keys (see bot.catalog) plus email-validator's own
reason text, so the caller decides how to word them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

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

# Whitespace that str.strip() keeps but that copy-paste from web pages and Excel leaves around addresses.
_INVISIBLE_EDGES = "\ufeff\u200b\u200c\u200d\u2060"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

# The common shape: an ASCII dot-atom local part (exactly email-validator's DOT_ATOM_TEXT) and an ASCII host
# name. For such strings email-validator's verdict depends only on the domain, so the domain's verdict is
# cached and the full validator only runs for rarer shapes. This is what keeps 80,000 CSV rows fast.
_ATEXT = r"A-Za-z0-9!#$%&'*+/=?^_`{|}~-"
_FAST_SHAPE = re.compile(rf"[{_ATEXT}]+(?:\.[{_ATEXT}]+)*@[A-Za-z0-9.-]+")


@dataclass(frozen=True, slots=True)
class AddressCheck:
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


def check_address(raw: str) -> AddressCheck:
    """Check and normalise one address: trimmed, domain lower-cased (IDNA-normalised), local part as typed."""
    text = raw.strip().strip(_INVISIBLE_EDGES).strip()
    if not text:
        return AddressCheck(raw, None, "email.missing")
    if len(text) > MAX_LENGTH:
        too_many = len(text) - MAX_LENGTH
        detail = (
            f"The email address is too long ({too_many} character{'s' if too_many > 1 else ''} too many)."
        )
        return AddressCheck(raw, None, "email.too_long", detail)
    if _FAST_SHAPE.fullmatch(text):
        local, domain = text.split("@")
        known = _domain(domain)
        if known is not None:
            normalized_domain, ascii_domain = known
            # Reuse the typed string when nothing changes: 80,000 copies of addresses add up.
            normalized = text
            # email-validator also limits the normalised and the IDNA-ASCII forms; only a punycode domain can
            # make those differ from the (already checked) typed length.
            if len(normalized.encode()) <= MAX_LENGTH and len(local) + 1 + len(ascii_domain) <= MAX_LENGTH:
                return AddressCheck(raw, normalized)
        # Invalid domain or an edge case: let the validator word the reason.
    else:
        control = _CONTROL.search(text)
        if control is not None:
            detail = f"The email address contains a control character: U+{ord(control.group(0)):04X}."
            return AddressCheck(raw, None, "email.control_characters", detail)
    normalized_or_reason, valid = _validate(text)
    if valid:
        return AddressCheck(raw, normalized_or_reason)
    return AddressCheck(raw, None, "email.invalid", normalized_or_reason)


@lru_cache(maxsize=4096)
def _domain(domain: str) -> tuple[str, str] | None:
    """(normalised, IDNA-ASCII) form of a domain email-validator accepts, None otherwise.

    email-validator checks the domain independently of the local part, so a stand-in local part gives the same
    verdict. Company files repeat a handful of domains, which makes this cache nearly always hit.
    """
    try:
        result = validate_email("x@" + domain, check_deliverability=False)
    except EmailNotValidError:
        return None
    return result.domain, result.ascii_domain


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

"""Invitation CSVs as people's tools really write them, built in code so no binary fixture is committed.

Each constant is the exact bytes of one upload. Line numbers in the comments are 1-based lines of the file,
which is what the preview shows next to a row.
"""

from __future__ import annotations

import random

from bot.uploads.parsing import MAX_BYTES

HEADER = "Email,First Name,Last Name,Team"

# Excel "CSV UTF-8": a BOM and CRLF line endings.
UTF8_BOM_CRLF = (
    "\ufeffEmail,First Name,Last Name,Team\r\n"
    "alice@example.com,Alice,Smith,Sales\r\n"
    "bob@example.com,Bob,Jones,Marketing\r\n"
).encode()

# Google Sheets / a script: plain UTF-8, LF, snake_case headers, a capitalised domain, an empty team.
UTF8_LF = (
    "email,first_name,last_name,team\n"
    "ann@example.org,Ann,Lee,Ops\n"
    "Ben.Kim@Example.ORG,Ben,Kim,\n"
    "chloé@example.org,Chloé,Durand,Ops\n"
).encode()

# Quoted cells holding the delimiter, doubled quotes and a line break (dave's row spans lines 3 and 4).
QUOTED = (
    b"Email,First Name,Last Name,Team\r\n"
    b'"carol@example.com","Carol, Jr.","O\'Neil ""CJ""","Sales, EMEA"\r\n'
    b'dave@example.com,Dave,"Van\nDyke",Support\r\n'
    b"eve@example.com,Eve,Adams,Ops\r\n"
)

# European Excel separates with semicolons and leaves commas in cells unquoted.
SEMICOLON = (
    "E-mail;First name;Last name;Team\r\n"
    "juergen@example.de;Jürgen;Müller, Dr.;Vertrieb, Nord\r\n"
    "lena@example.de;Lena;Schmidt;Vertrieb, Süd\r\n"
).encode("utf-8-sig")

# Excel "Unicode text": UTF-16 little-endian with a BOM, tab-separated, CRLF.
UTF16_TAB = (
    "\ufeffEmail\tFirst Name\tLast Name\tTeam\r\n"
    "kenji@example.jp\tKenji\tSato\tSales, APAC\r\n"
    "yuki@example.jp\t由紀\t高橋\t営業\r\n"
).encode("utf-16-le")

# The same without a BOM, as some exporters write it: found by its NUL bytes.
UTF16_BE_NO_BOM = ("Email\tTeam\r\nmika@example.jp\tOps\r\n").encode("utf-16-be")

# Japanese Excel's "CSV (comma delimited)": CP932 (Shift_JIS) with Japanese headers and names.
CP932_JAPANESE = (
    "メールアドレス,姓,名,チーム\r\n"
    "taro.yamada@example.co.jp,山田,太郎,営業部\r\n"
    "hanako.suzuki@example.co.jp,鈴木,花子,マーケティング\r\n"
    "ichiro@example.co.jp,ｽｽﾞｷ,一郎,\r\n"
).encode("cp932")

# Kanji-only names under English headers: every byte is also valid cp1252 ("山田" reads "ŽR“c"), so only the
# shape of the text tells the two apart.
CP932_KANJI_ONLY = (
    "Email,Last Name,First Name\r\nyamada@example.jp,山田,太郎\r\nito@example.jp,伊藤,一\r\n"
).encode("cp932")

# Old Western Excel: Latin-1 bytes.
LATIN1 = (
    "Email,First Name,Last Name,Team\r\n"
    "jose@example.es,José,García,Ventas\r\n"
    "anna@example.de,Anna,Müller,Vertrieb\r\n"
).encode("latin-1")

# Latin-1 that is also valid CP932 (every accent is followed by a letter): must still read as Western.
LATIN1_LOOKS_CP932 = (
    "Email,First Name,Last Name\r\nrenee@example.fr,Renée,Thérèse\r\nmarc@example.fr,Marc,Dubois\r\n"
).encode("latin-1")

# Blank lines at the top, in the middle (and a row of empty cells), and at the end.
BLANK_LINES = (
    b"\r\n"
    b"\r\n"
    b"Email,First Name\r\n"  # line 3
    b"\r\n"
    b"frank@example.com,Frank\r\n"  # line 5
    b",,\r\n"
    b"\r\n"
    b"gina@example.com,Gina\r\n"  # line 8
    b"\r\n"
    b"\r\n"
)

# More columns than the invitation needs, and a row wider than the header.
EXTRA_COLUMNS = (
    b"Employee ID,Email,First Name,Last Name,Team,Phone\n"
    b"1001,hank@example.com,Hank,Hill,Propane,555-0100\n"
    b"1002,iris@example.com,Iris,West,Flash,555-0101,note\n"
)

# Headers padded with spaces and in other cases and spellings.
SPACED_HEADERS = (
    b"  E-Mail Address , FIRST NAME ,last-name,  Team Name  \n  jack@example.com  ,  Jack ,  Ryan ,  R&D  \n"
)

# A title and an export note above the header.
TITLE_LINE = (
    b"Users to invite\r\n"
    b"Exported 2026-01-01\r\n"
    b"\r\n"
    b"Email,First Name,Last Name,Team\r\n"  # line 4
    b"kate@example.com,Kate,Bell,Ops\r\n"
)

# Just a list of addresses, one per line, no header.
HEADERLESS = b"liam@example.com\nmia@example.com\nnoah@example.com\n"

# Cells a spreadsheet would run as formulas. They are flagged, not rejected; "-olga@…" is a valid address.
FORMULAS = (
    b"Email,First Name,Last Name,Team\r\n"
    b'mallory@example.com,"=HYPERLINK(""http://evil.example"",""click"")",+1,@team\r\n'
    b"-olga@example.com,Olga,-,Ops\r\n"
)

# Rows shorter and longer than the header.
RAGGED = (
    b"Email,First Name,Last Name,Team\n"
    b"pat@example.com\n"
    b"quinn@example.com,Quinn\n"
    b"rita@example.com,Rita,Ray,Ops,surplus\n"
)

# Invalid, missing and repeated addresses among good ones.
MIXED = (
    b"Email,First Name\n"
    b"sam@example.com,Sam\n"  # line 2
    b"not-an-address,Nobody\n"  # line 3
    b"SAM@Example.com,Sam again\n"  # line 4: duplicate of line 2
    b",Nameless\n"  # line 5
    b"tom@localhost,Tom\n"  # line 6
    b"uma@example.com,Uma\n"  # line 7
    b"sam@example.com,Sam thrice\n"  # line 8: duplicate of line 2
)

# Old Mac line endings: carriage returns only.
CR_ONLY = b"Email,Team\rvera@example.com,Ops\rwalt@example.com,Ops\r"

# Column names in a language the bot does not know: the address column is found by its values.
UNKNOWN_HEADERS = (
    "Liste des invités\n"
    "Nom,Adresse électronique,Équipe\n"  # line 2
    "Xavier,xavier@example.fr,Ventes\n"
).encode()

# An opening quote that never closes would swallow every later row.
UNCLOSED_QUOTE = b'Email,First Name\nyara@example.com,"Yara\nzack@example.com,Zack\nzoe@example.com,Zoe\n'


def png_header() -> bytes:
    """The first bytes of a real PNG screenshot: signature and IHDR chunk."""
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x05\x00\x00\x00\x02\xd0\x08\x06\x00\x00\x00" + bytes(
        range(256)
    )


def random_binary(size: int = 4096, seed: int = 7) -> bytes:
    generator = random.Random(seed)
    return bytes(generator.randrange(256) for _ in range(size))


def xlsx_header() -> bytes:
    """An .xlsx is a ZIP archive."""
    return b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + b"[Content_Types].xml" + bytes(64)


EMPTY = b""
ONLY_BOM = b"\xef\xbb\xbf"
ONLY_BLANK_LINES = b"\xef\xbb\xbf\r\n  \r\n\t\r\n"
HEADER_ONLY = (HEADER + "\r\n").encode()
NO_EMAIL_COLUMN = b"Name,Team\nAlice,Sales\nBob,Ops\n"
# A UTF-8 BOM promises UTF-8, but the rest is CP932.
BOM_THEN_CP932 = b"\xef\xbb\xbf" + "メール\r\nabc@example.jp\r\n".encode("cp932")


def sized_csv(size: int) -> bytes:
    """A well-formed CSV of exactly `size` bytes (the last row's team pads it)."""
    rows = [HEADER]
    length = len(HEADER) + 2
    number = 0
    while length < size - 200:
        row = f"user{number}@example.com,First{number},Last{number},Team {number % 20}"
        rows.append(row)
        length += len(row) + 2
        number += 1
    text = "\r\n".join(rows) + "\r\n"
    last = "last@example.com,Last,Row,"
    padding = size - len(text.encode()) - len(last) - 2
    return (text + last + "x" * padding + "\r\n").encode()


def too_large() -> bytes:
    return sized_csv(MAX_BYTES + 1)


def large(rows: int = 80_000, invalid_every: int = 100) -> bytes:
    """About 5 MB of invitations, one address in `invalid_every` broken: the benchmark's file."""
    lines = [HEADER]
    for number in range(rows):
        if number % invalid_every == invalid_every - 1:
            email = f"user{number}@@example.com"
        else:
            email = f"user.name{number}@example{number % 7}.com"
        lines.append(f"{email},First{number},Surname{number},Team {number % 20}")
    return ("\r\n".join(lines) + "\r\n").encode()

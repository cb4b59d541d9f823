"""Reading an uploaded invitation CSV: bytes in, rows, column mapping and per-row verdicts out.

Pure and I/O-free, so the download, the preview and "Request invitations" can all call it. Problems are
message keys with parameters (texts live in bot.catalog). Cells are kept as typed (only trimmed): a cell
that a spreadsheet would run as a formula is flagged for the preview, and neutralised by bot.csv_safety on
output.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import NamedTuple

from bot.invitations.emails import check_address, quick_normalize
from bot.platform.csv_safety import FORMULA_STARTS

MAX_BYTES = 5 * 1024 * 1024
# Columns kept from a file, and characters of each header name: a 5 MB row of commas would otherwise become
# millions of "Column N" names, in memory and in the stored draft. The mapping dialog offers 99 anyway.
MAX_COLUMNS = 200
MAX_HEADER_CHARS = 200
# Lines read between two calls of a caller's `pause` (a few milliseconds of work): see bot.uploads.
PAUSE_EVERY = 1000
# "full_name" is a column holding the whole name (氏名, Full Name), split into last and first name per row.
FIELDS = ("email", "first_name", "last_name", "full_name", "team")
DELIMITERS = (",", ";", "\t", "|")

# Detection looks at the start of the file only, so it costs the same for 5 KB and 5 MB.
_SAMPLE_CHARS = 64 * 1024
_SAMPLE_ROWS = 50
# How far down a header row may sit below titles and notes.
_HEADER_SCAN = 20

_MAGIC_NUMBERS = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"PK\x03\x04", "zip"),  # also .xlsx, .docx, .numbers
    (b"PK\x05\x06", "zip"),
    (b"%PDF-", "pdf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),  # legacy .xls / .doc
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x1f\x8b", "gzip"),
)
# Each codec named here reads its own BOM, so `data.decode(encoding)` gives back the text decode() saw.
_BOMS = (
    # UTF-32 first: its little-endian BOM starts with UTF-16's.
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
# C0 and C1 controls other than tab, line feed and carriage return: text files have next to none.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]")
# One physical line with its ending. Only CR, LF and CRLF end lines, as in Excel; str.splitlines() would also
# split on form feeds and U+2028 inside cells and shift every line number after them.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]")
_KANA = re.compile(r"[\u3040-\u30ff]")

# Header names are compared after NFKC (full-width to half-width, half-width katakana to full-width),
# casefolding, and dropping separators and bracketed notes such as "(required)", also in full-width brackets.
_HEADER_NOISE = re.compile(r"\(.*?\)|\[.*?\]|【.*?】|[\s_\-‐‑‒–—・.:*\ufeff\u200b]")
_HEADER_EDGES = "\ufeff\u200b"
_ALIASES: dict[str, frozenset[str]] = {
    "email": frozenset(
        {
            "email",
            "emailaddress",
            "mail",
            "mailaddress",
            "メール",
            "メールアドレス",
            "eメール",
            "eメールアドレス",
            "電子メール",
            "電子メールアドレス",
        }
    ),
    "first_name": frozenset({"firstname", "givenname", "forename", "名", "ファーストネーム"}),
    "last_name": frozenset({"lastname", "surname", "familyname", "姓", "苗字", "名字", "ラストネーム"}),
    "full_name": frozenset({"fullname", "name", "氏名", "名前", "お名前", "フルネーム", "姓名"}),
    "team": frozenset(
        {
            "team",
            "teamname",
            "group",
            "groupname",
            "department",
            "departmentname",
            "チーム",
            "チーム名",
            "グループ",
            "部署",
            "部署名",
            "所属",
            "所属名",
            "所属部署",
            "所属部門",
            "部門",
            "部門名",
            "課",
        }
    ),
}
# "名前" means "name" and is often the full name, but beside a family-name column alone it is the given name.
_FIRST_NAME_FALLBACK = frozenset({"名前"})
# Reading (furigana) columns spell a name in kana for sorting: フリガナ, 氏名(カナ), セイ / メイ (the
# readings of 姓 / 名), written with full-width brackets too. They are checked before bracketed notes are
# dropped, since "氏名(カナ)" would otherwise read as 氏名, and never map to a field: a name in kana in
# Marketo would be wrong.
_READING_MARKS = re.compile(
    r"フリガナ|ふりがな|カナ|かな|ヨミ|よみ|読み|\b(?:kana|furigana|yomi|reading|phonetic)\b"
)
_READING_NAMES = frozenset({"セイ", "メイ", "せい", "めい"})
_NOT_A_FIELD = "\x00reading"
_FORMULA_FIRST = frozenset(FORMULA_STARTS)


class CsvProblem(Exception):
    """The file as a whole cannot be used; `key` is a catalog key, `params` its parameters."""

    def __init__(self, key: str, params: dict[str, object] | None = None) -> None:
        super().__init__(key, params or {})
        self.key = key
        self.params: dict[str, object] = params or {}

    def __str__(self) -> str:
        return f"{self.key} {self.params}" if self.params else self.key


class DataRow(NamedTuple):
    line: int  # 1-based line in the file where the row starts
    cells: tuple[str, ...]  # trimmed; trailing empty cells dropped


@dataclass(frozen=True, slots=True)
class ParsedCsv:
    """What parse() found. The rows are not kept as objects: `rows()` reads them again from the text, so a
    file of two million bad one-letter rows costs its text (a few MB), not two million tuples."""

    encoding: str
    delimiter: str
    headers: tuple[str, ...]  # one per column (at most MAX_COLUMNS); "Column N" where the file names none
    header_line: int  # 1-based; 0 when the file has no header row
    row_count: int  # data rows (non-empty records after the header)
    mapping: dict[str, int | None]  # field -> column index, as detected
    text: str = field(repr=False)  # the decoded file
    # Records starting on or before this line are titles or the header, not data.
    data_after: int = 0

    @property
    def has_header(self) -> bool:
        return self.header_line > 0

    def rows(self, pause: Callable[[], object] | None = None) -> Iterator[DataRow]:
        """The data rows, read from the text once more (parse() has checked it reads)."""
        after = self.data_after
        for row in _iter_rows(self.text, self.delimiter, pause):
            if row.line > after:
                yield row


class Invitee(NamedTuple):
    line: int
    email: str  # normalised
    key: str  # what two addresses are compared by (AddressCheck.key)
    first_name: str
    last_name: str
    team: str


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    raw: str  # the email cell as typed (trimmed)
    # "email.missing", "email.invalid", "email.too_long", "email.control_characters" (see AddressCheck) or
    # "email.duplicate"
    key: str
    detail: str = ""  # the English reason from AddressCheck.detail; empty for missing and duplicate rows
    # invalid rows: {"email": raw, "reason": detail}; duplicates: {"email": normalised, "first_line": n}
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FlaggedCell:
    line: int
    field: str
    value: str


# How many rows of each problem kind an Extraction keeps (the preview shows 8 problems and 5 flagged cells in
# all). The others are only counted: a 5 MB file can hold two million bad rows, and one object each cost
# about a gigabyte. Every row stays recomputable from the file (extract's `report`).
EXAMPLES = 10


@dataclass(frozen=True, slots=True)
class Extraction:
    mapping: dict[str, int | None]
    accepted: list[Invitee]
    # The first EXAMPLES rows of each invalid kind (RowProblem.key), in file order; counts below.
    invalid: list[RowProblem]
    duplicates: list[RowProblem]  # the first EXAMPLES
    flagged: list[FlaggedCell]  # the first EXAMPLES
    total_rows: int
    invalid_counts: dict[str, int] = field(default_factory=dict)  # RowProblem.key -> rows
    duplicate_count: int = 0
    flagged_count: int = 0
    # Accepted rows whose full-name cell could not be split (split_full_name): kept whole as the last name.
    unsplit_count: int = 0

    @property
    def invalid_count(self) -> int:
        return sum(self.invalid_counts.values())


# Runs of half-width or full-width (ideographic) spaces between the parts of a name.
_NAME_GAP = re.compile(r"[ \u3000]+")
# Han, hiragana, katakana (and their half-width forms): a name in these is written family name first.
_JAPANESE_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f々〆ヵヶ]")


def split_full_name(name: str) -> tuple[str, str, bool]:
    """(last name, first name, split) of a full-name cell.

    Japanese script is written family name first: 「山田　太郎」 → (山田, 太郎). A Latin name is given
    name first ("Taro Yamada" → Yamada, Taro) unless written "Yamada, Taro". Anything else is kept whole as
    the last name, with `split` False for the preview to say so: a name without a space (「山田太郎」) has no
    visible boundary (family names run from one to four kanji, given names too), and three or more parts
    ("Ana Maria Silva", 「山田 太郎 次郎」) could be split in more than one place. The last name, because
    Salesforce and Marketo require it and a Japanese colleague is addressed by it.
    """
    name = name.strip(" \u3000")
    if not name:
        return "", "", True
    if _JAPANESE_SCRIPT.search(name):
        parts = _NAME_GAP.split(name)
        if len(parts) == 2:
            return parts[0], parts[1], True
        return name, "", False
    if name.count(",") == 1:
        last, first = (part.strip(" \u3000") for part in name.split(","))
        if last and first and not _NAME_GAP.search(last) and not _NAME_GAP.search(first):
            return last, first, True
        return name, "", False
    parts = _NAME_GAP.split(name)
    if len(parts) == 2:
        return parts[1], parts[0], True
    return name, "", False


def is_formula_like(cell: str) -> bool:
    """Whether a spreadsheet would run the cell as a formula (OWASP's CSV injection starts)."""
    return cell[:1] in _FORMULA_FIRST


# Decoding


def decode(data: bytes) -> tuple[str, str]:
    """The text of an uploaded file and the Python codec that reads it; CsvProblem for anything unusable.

    The codec is one of utf-8, utf-8-sig, utf-16 (with BOM), utf-16-le, utf-16-be (without), utf-32, cp932,
    cp1252 and latin-1.
    """
    if len(data) > MAX_BYTES:
        raise CsvProblem(
            "csv.too_large", {"size": len(data), "limit": MAX_BYTES, "limit_mb": MAX_BYTES >> 20}
        )
    for magic, kind in _MAGIC_NUMBERS:
        if data.startswith(magic):
            raise CsvProblem("csv.binary", {"kind": kind})
    text, encoding = _decode_text(data)
    # Strip every leading BOM: some tools add one to a file that already has one.
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise CsvProblem("csv.empty", {"header_only": False})
    sample = text[:_SAMPLE_CHARS]
    if "\x00" in sample or len(_CONTROLS.findall(sample)) * 10 > len(sample):
        raise CsvProblem("csv.binary", {"kind": "text"})
    return text, encoding


def _decode_text(data: bytes) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _strict(data, encoding), encoding
    if b"\x00" in data:
        utf16 = _bomless_utf16(data)
        if utf16 is None:
            raise CsvProblem("csv.binary", {"kind": "nul"})
        return _strict(data, utf16), utf16
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    return _decode_legacy(data)


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise CsvProblem("csv.undecodable", {"encoding": encoding}) from error


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: ASCII characters (delimiters, addresses) leave a NUL in every other byte."""
    sample = data[:4096]
    pairs = len(sample) // 2
    if pairs == 0:
        return None
    even = sample[0 : pairs * 2 : 2].count(0)
    odd = sample[1 : pairs * 2 : 2].count(0)
    if odd * 5 >= pairs and even * 4 <= odd:
        return "utf-16-le"
    if even * 5 >= pairs and odd * 4 <= even:
        return "utf-16-be"
    return None


def _decode_legacy(data: bytes) -> tuple[str, str]:
    """Japanese Excel writes CP932; Western Excel cp1252. Choose on a sample, then decode the whole file."""
    sample = data[:_SAMPLE_CHARS]
    if len(data) > len(sample):
        # Cutting after a line feed is safe: 0x0A is never the second byte of a CP932 character.
        sample = sample[: sample.rfind(b"\n") + 1] or sample
    order = ("cp932", "cp1252") if _prefers_cp932(sample) else ("cp1252", "cp932")
    for encoding in order:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    # Latin-1 maps every byte, so an old Western file always opens; binary was ruled out by the NUL check
    # and is caught by the control-character check on the text.
    return data.decode("latin-1"), "latin-1"


def _prefers_cp932(sample: bytes) -> bool:
    try:
        japanese = sample.decode("cp932", errors="strict")
    except UnicodeDecodeError:
        return False
    try:
        sample.decode("cp1252")
    except UnicodeDecodeError:
        # Most Japanese text uses lead bytes (0x81, 0x8D, 0x8F, 0x90, 0x9D) that cp1252 leaves undefined.
        return True
    # Both decode. Read as CP932, Western accented letters become kanji or half-width katakana glued to the
    # ASCII letters of their word ("Ren" + kanji for "Renée"), or private-use characters; Japanese cells stand
    # between delimiters, and kana (from lead bytes 0x82/0x83, rare in Western text) are Japanese for sure.
    if _PRIVATE_USE.search(japanese):
        return False
    japanese_runs = western_runs = 0
    for match in _NON_ASCII_RUN.finditer(japanese):
        before = japanese[match.start() - 1 : match.start()]
        after = japanese[match.end() : match.end() + 1]
        if not _KANA.search(match.group()) and (_ASCII_LETTER.match(before) or _ASCII_LETTER.match(after)):
            western_runs += 1
        else:
            japanese_runs += 1
    return japanese_runs > western_runs


# Parsing


def parse(data: bytes, *, pause: Callable[[], object] | None = None) -> ParsedCsv:
    """Decode the file, find its delimiter, header row and email column; CsvProblem if there is none.

    Reads every record once (to find malformed ones, the widest row and the row count) but keeps only the
    first few; ParsedCsv.rows() reads them again. `pause` is called every PAUSE_EVERY lines, so a caller can
    let more urgent threads run."""
    text, encoding = decode(data)
    delimiter = _sniff_delimiter(text)
    # The header sits within the first _HEADER_SCAN rows and the mapping looks at _SAMPLE_ROWS after it.
    keep = _HEADER_SCAN + _SAMPLE_ROWS + 1
    head: list[DataRow] = []
    count = 0
    tail_width = 0
    for row in _iter_rows(text, delimiter, pause):
        count += 1
        if len(head) < keep:
            head.append(row)
        elif len(row.cells) > tail_width:
            tail_width = len(row.cells)
    if not head:
        raise CsvProblem("csv.empty", {"header_only": False})

    header_index = _find_header(head)
    if header_index is not None:
        header_cells = tuple(cell.strip(_HEADER_EDGES).strip() for cell in head[header_index].cells)
        header_line = head[header_index].line
        data_index, data_after = header_index + 1, header_line
    else:
        # No row reads like a header: look for the column of addresses instead.
        column = _email_column_by_values(head[:_HEADER_SCAN])
        if column is None:
            # Name the first row's cells: most likely the header, in words we do not know.
            params: dict[str, object] = {
                "headers": list(head[0].cells[:MAX_COLUMNS]),
                "header_line": head[0].line,
            }
            raise CsvProblem("csv.no_email_column", params)
        first = next(i for i, row in enumerate(head) if _is_address(_cell(row.cells, column)))
        previous = head[first - 1].cells if first > 0 else None
        if previous is not None and not any("@" in cell for cell in previous):
            # The row just above the first address names the columns in words we do not know ("Adresse");
            # rows above it are titles.
            header_cells = tuple(cell.strip(_HEADER_EDGES).strip() for cell in previous)
            header_line = head[first - 1].line
            data_index, data_after = first, header_line
        else:
            header_cells, header_line, data_index, data_after = (), 0, 0, 0
    sample = head[data_index : data_index + _SAMPLE_ROWS]
    row_count = count - data_index

    width = max(len(header_cells), tail_width, max((len(row.cells) for row in head[data_index:]), default=0))
    headers = tuple(
        header_cells[i][:MAX_HEADER_CHARS] if i < len(header_cells) and header_cells[i] else f"Column {i + 1}"
        for i in range(min(width, MAX_COLUMNS))
    )
    mapping = guess_mapping(headers, sample)
    if mapping["email"] is None:
        raise CsvProblem(
            "csv.no_email_column", {"headers": list(header_cells[:MAX_COLUMNS]), "header_line": header_line}
        )
    if not row_count:
        raise CsvProblem("csv.empty", {"header_only": True})
    return ParsedCsv(encoding, delimiter, headers, header_line, row_count, mapping, text, data_after)


def _lines(text: str, start: int = 0) -> Iterator[str]:
    # Lines keep their endings: inside a quoted cell the csv reader copies them into the value.
    return map(re.Match.group, _LINE.finditer(text, start))


def _sniff_delimiter(text: str) -> str:
    """The delimiter that makes a header row readable, else the one that splits most rows alike."""
    sample = text[:_SAMPLE_CHARS]
    truncated = len(text) > len(sample)
    best: tuple[int, int, int] | None = None
    chosen = DELIMITERS[0]
    for delimiter in DELIMITERS:
        reader = csv.reader(_lines(sample), delimiter=delimiter, skipinitialspace=True)
        try:
            rows = [row for row in islice(reader, _SAMPLE_ROWS * 2) if any(cell.strip() for cell in row)]
        except csv.Error:
            continue
        if truncated and len(rows) > 1:
            rows.pop()  # may be cut in the middle
        rows = rows[:_SAMPLE_ROWS]
        named = (_header_fields(row) for row in rows[:_HEADER_SCAN])
        header = next((len(fields) for fields in named if _is_header_fields(fields)), 0)
        widths = Counter(len(row) for row in rows if len(row) > 1)
        width, count = widths.most_common(1)[0] if widths else (0, 0)
        score = (header, count, width)
        if best is None or score > best:
            best, chosen = score, delimiter
    return chosen


def _iter_rows(text: str, delimiter: str, pause: Callable[[], object] | None = None) -> Iterator[DataRow]:
    """Every non-empty record as a DataRow; CsvProblem for a cell too long or a quote never closed."""
    reader = csv.reader(_lines(text), delimiter=delimiter, skipinitialspace=True)
    start = end = 0  # lines where the last record started and ended
    # Local names and a direct tuple.__new__ (what DataRow(...) calls, minus a Python-level frame) keep the
    # per-row cost down over 80,000 rows.
    strip, new_row = str.strip, tuple.__new__
    next_pause = PAUSE_EVERY
    try:
        for cells in reader:
            start, end = end + 1, reader.line_num
            if end >= next_pause and pause is not None:
                pause()
                next_pause = end + PAUSE_EVERY
            if not cells:
                continue
            stripped = list(map(strip, cells))
            if not stripped[-1]:
                # Excel pads rows with empty cells up to the widest row; they carry nothing.
                while stripped and not stripped[-1]:
                    stripped.pop()
                if not stripped:
                    continue
            yield new_row(DataRow, (start, tuple(stripped)))
    except csv.Error as error:
        # In the lenient mode used here the reader's error is, in practice, a cell longer than
        # csv.field_size_limit(): a quote that never closes (it swallows the rest of the file), or a cell that
        # really is that long. Say which: "never closed" sent people hunting for a quote that was not there.
        if "field limit" not in str(error):
            raise CsvProblem("csv.malformed", {"line": end + 1}) from error
        raise _long_cell_problem(text, end + 1, delimiter) from error
    # An opening quote that never closes swallows the rest of the file into one cell, silently in csv's
    # lenient mode; only a last record that spans lines can be one.
    if end > start and _ends_in_open_quote(text, start, delimiter):
        raise CsvProblem("csv.malformed", {"line": start})


def _long_cell_problem(text: str, line: int, delimiter: str) -> CsvProblem:
    """Why the record starting at `line` has a cell over the reader's limit: open quote or long cell."""
    if _ends_in_open_quote(text, line, delimiter):
        return CsvProblem("csv.malformed", {"line": line})
    return CsvProblem("csv.cell_too_long", {"line": line, "limit": csv.field_size_limit()})


def _ends_in_open_quote(text: str, line: int, delimiter: str) -> bool:
    """Whether the record starting at `line` ends inside a quoted field, read as csv's lenient reader does.

    Jumps from quote to quote and from field to field with str.find and a regex, not character by character:
    on the error path the rest of a 5 MB file may be one cell."""
    match = next(islice(_LINE.finditer(text), line - 1, None), None)
    if match is None:
        return False
    field_end = re.compile(f"[{re.escape(delimiter)}\r\n]")
    position, length = match.start(), len(text)
    while position < length:  # at the start of a field
        while text.startswith(" ", position):
            position += 1  # skipinitialspace
        if text.startswith('"', position):
            while True:  # inside a quoted field: the next quote closes it, unless it is doubled
                close = text.find('"', position + 1)
                if close < 0:
                    return True
                position = close + 1
                if not text.startswith('"', position):
                    break
        # The rest of the field (after a closing quote too) is plain: quotes in it are kept as typed.
        found = field_end.search(text, position)
        if found is None or found.group() != delimiter:
            return False  # the end of the file, or a line ending outside quotes: the record is complete
        position = found.end()
    return False


def _cell(cells: tuple[str, ...], index: int | None) -> str:
    return cells[index] if index is not None and index < len(cells) else ""


def _is_address(cell: str) -> bool:
    return "@" in cell and check_address(cell).ok


def _normalize_header(name: str) -> str:
    folded = unicodedata.normalize("NFKC", name).casefold()
    if _READING_MARKS.search(folded):
        return _NOT_A_FIELD
    normalized = _HEADER_NOISE.sub("", folded)
    return _NOT_A_FIELD if normalized in _READING_NAMES else normalized


def _header_fields(cells: Sequence[str]) -> set[str]:
    """The fields whose names appear among the cells."""
    names = {_normalize_header(cell) for cell in cells}
    found = {name for name, aliases in _ALIASES.items() if names & aliases}
    if names & _FIRST_NAME_FALLBACK:
        found.add("first_name")
    return found


def _is_header_fields(fields: set[str]) -> bool:
    # A lone "Team" title line is not a header; an email column name, or two known names, are.
    return "email" in fields or len(fields) >= 2


def _find_header(rows: Sequence[DataRow]) -> int | None:
    for index, row in enumerate(rows[:_HEADER_SCAN]):
        if _is_header_fields(_header_fields(row.cells)) and not any(_is_address(cell) for cell in row.cells):
            return index
    return None


def _email_column_by_values(rows: Sequence[DataRow], exclude: frozenset[int] = frozenset()) -> int | None:
    """The column whose non-empty cells are mostly addresses (most addresses wins, then leftmost)."""
    valid: Counter[int] = Counter()
    filled: Counter[int] = Counter()
    for row in rows:
        for index, cell in enumerate(row.cells):
            if cell and index not in exclude:
                filled[index] += 1
                if _is_address(cell):
                    valid[index] += 1
    candidates = [index for index, count in valid.items() if count * 2 >= filled[index]]
    if not candidates:
        return None
    return min(candidates, key=lambda index: (-valid[index], index))


def guess_mapping(headers: Sequence[str], sample: Sequence[DataRow] = ()) -> dict[str, int | None]:
    """Field -> column index from the header names; the email column by its values if no name matches."""
    names = [_normalize_header(header) for header in headers]
    mapping: dict[str, int | None] = dict.fromkeys(FIELDS)
    used: set[int] = set()

    def take(field_name: str, aliases: frozenset[str]) -> None:
        for index, name in enumerate(names):
            if index not in used and name in aliases:
                mapping[field_name] = index
                used.add(index)
                return

    for field_name in ("email", "first_name", "last_name", "team"):
        take(field_name, _ALIASES[field_name])
    if mapping["first_name"] is None and mapping["last_name"] is not None:
        take("first_name", _FIRST_NAME_FALLBACK)
    if mapping["first_name"] is None and mapping["last_name"] is None:
        # Separate name columns, when the file has them, win: they need no guessing.
        take("full_name", _ALIASES["full_name"])
    if mapping["email"] is None and sample:
        column = _email_column_by_values(sample, exclude=frozenset(used))
        if column is not None:
            mapping["email"] = column
    return mapping


# Validation


def extract(
    parsed: ParsedCsv,
    mapping: dict[str, int | None],
    *,
    pause: Callable[[], object] | None = None,
    report: Callable[[DataRow, RowProblem | None], object] | None = None,
) -> Extraction:
    """Check every row under `mapping`: accepted invitees, invalid and duplicate rows, formula-like cells.

    Problems are counted per kind and only the first EXAMPLES of each kept, so memory follows the accepted
    rows, not the bad ones. `report`, if given, is called with every row in file order and its problem (None
    for an accepted row), so a full list of problems is recomputed from the file rather than kept. `pause` is
    called every PAUSE_EVERY rows, as in parse.

    A full-name column counts only when neither first nor last name is mapped: it is split per row
    (split_full_name)."""
    email_index = mapping.get("email")
    if email_index is None or email_index < 0:
        raise CsvProblem(
            "csv.no_email_column", {"headers": list(parsed.headers), "header_line": parsed.header_line}
        )
    # -1 stands for "not mapped" so the loop below needs no None checks; it is hot for 80,000 rows.
    first_index, last_index, full_index, team_index = (
        -1 if (index := mapping.get(name)) is None else index
        for name in ("first_name", "last_name", "full_name", "team")
    )
    if first_index >= 0 or last_index >= 0:
        full_index = -1
    last_field = "full_name" if full_index >= 0 else "last_name"
    unsplit_count = 0
    accepted: list[Invitee] = []
    invalid: list[RowProblem] = []
    invalid_counts: dict[str, int] = {}
    duplicates: list[RowProblem] = []
    duplicate_count = 0
    flagged: list[FlaggedCell] = []
    flagged_count = 0
    first_seen: dict[str, int] = {}
    # One string object per distinct name and team among accepted rows: 80,000 copies of "Sales" cost
    # megabytes. Only accepted rows are interned, so the dict is no larger than what is kept anyway.
    shared: dict[str, str] = {}
    intern = shared.setdefault
    # Verdicts of the slow check for repeated cells: a file of a million "x" or "a@" needs one each. Bounded,
    # since a file of distinct bad cells would otherwise fill it.
    checked: dict[str, tuple[str | None, str, str]] = {}
    formula_first = _FORMULA_FIRST
    # As in _iter_rows: Invitee(...) without its Python-level __new__ frame.
    new_invitee, accept = tuple.__new__, accepted.append
    number = 0

    for number, row in enumerate(parsed.rows(), 1):
        line, cells = row
        if pause is not None and not number % PAUSE_EVERY:
            pause()
        width = len(cells)
        email = cells[email_index] if email_index < width else ""
        first_name = cells[first_index] if 0 <= first_index < width else ""
        last_name = cells[last_index] if 0 <= last_index < width else ""
        if 0 <= full_index < width:
            # The whole cell is what is typed, and what is flagged below as the last name's when formula-like.
            last_name = cells[full_index]
        team = cells[team_index] if 0 <= team_index < width else ""
        # Same test as is_formula_like, inlined: calls and tuples per cell add up over 80,000 rows.
        if (
            email[:1] in formula_first
            or first_name[:1] in formula_first
            or last_name[:1] in formula_first
            or team[:1] in formula_first
        ):
            for name, value in (
                ("email", email),
                ("first_name", first_name),
                (last_field, last_name),
                ("team", team),
            ):
                if value[:1] in formula_first:
                    flagged_count += 1
                    if len(flagged) < EXAMPLES:
                        flagged.append(FlaggedCell(line, name, value))

        normalized = quick_normalize(email)
        if normalized is None:
            verdict = checked.get(email)
            if verdict is None:
                check = check_address(email)
                verdict = (check.normalized, check.problem or "email.invalid", check.detail)
                if len(checked) < 1024:
                    checked[email] = verdict
            normalized, problem, detail = verdict
            if normalized is None:
                seen = invalid_counts.get(problem, 0)
                invalid_counts[problem] = seen + 1
                if seen < EXAMPLES or report is not None:
                    params: dict[str, object] = {"email": email, "reason": detail} if email else {}
                    row_problem = RowProblem(line, email, problem, detail, params)
                    if seen < EXAMPLES:
                        invalid.append(row_problem)
                    if report is not None:
                        report(row, row_problem)
                continue
        # AddressCheck.key, computed here to keep the address itself as the key when casefolding changes
        # nothing (the common case), rather than a second copy of every address.
        key = normalized.casefold()
        if key == normalized:
            key = normalized
        seen_on = first_seen.get(key)
        if seen_on is not None:
            duplicate_count += 1
            if duplicate_count <= EXAMPLES or report is not None:
                params = {"email": normalized, "first_line": seen_on}
                row_problem = RowProblem(line, email, "email.duplicate", "", params)
                if duplicate_count <= EXAMPLES:
                    duplicates.append(row_problem)
                if report is not None:
                    report(row, row_problem)
            continue
        first_seen[key] = line
        if full_index >= 0 and last_name:
            last_name, first_name, split = split_full_name(last_name)
            if not split:
                unsplit_count += 1
        if report is not None:
            report(row, None)
        accept(
            new_invitee(
                Invitee,
                (
                    line,
                    normalized,
                    key,
                    intern(first_name, first_name),
                    intern(last_name, last_name),
                    intern(team, team),
                ),
            )
        )

    return Extraction(
        dict(mapping),
        accepted,
        invalid,
        duplicates,
        flagged,
        number,
        invalid_counts,
        duplicate_count,
        flagged_count,
        unsplit_count,
    )

"""CSV in and out: decode what people upload, and write cells a spreadsheet cannot execute.

Reading: the encoding is UTF-8 (a byte-order mark is dropped), UTF-16 when it carries its
mark, else Windows-1252 or Latin-1, which is what spreadsheets on Windows save. The delimiter
is sniffed (comma, semicolon, tab or pipe). Binary data or a file that is no table gets a
message saying so, never a half-read import.

Writing: a cell starting with = + - @ tab or CR is prefixed with ' so a spreadsheet shows it
as text instead of running it (OWASP "CSV injection").
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

DELIMITERS = ",;\t|"
MAX_COLUMNS = 200
MAX_HEADER_LENGTH = 200
# csv's own limit is 128 KiB per cell; nothing a person types into a lead comes near 32 KiB.
MAX_CELL = 32 * 1024
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SNIFF_BYTES = 64 * 1024

csv.field_size_limit(MAX_CELL)


class CsvFileError(ValueError):
    """The file cannot be read as a CSV table; the message says why, for the person."""


@dataclass(frozen=True)
class CsvLayout:
    encoding: str
    delimiter: str
    headers: list[str]
    rows: int  # data rows, blank lines excluded


def detect_encoding(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in data:
        raise CsvFileError(
            "This file contains binary data: it is not a CSV text file. Save it from your "
            "spreadsheet as “CSV (comma delimited)” or “CSV UTF-8”."
        )
    for encoding in ("utf-8", "cp1252"):
        try:
            _check_decodes(data, encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return "latin-1"


def _check_decodes(data: bytes, encoding: str) -> None:
    """Decode in slices so a large file is checked without a second copy of it as text."""
    decoder = codecs.getincrementaldecoder(encoding)()
    view = memoryview(data)
    step = 1024 * 1024
    for start in range(0, len(data), step):
        decoder.decode(view[start : start + step], final=start + step >= len(data))
    if not data:
        decoder.decode(b"", final=True)


def text_stream(data: bytes, encoding: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def sniff_delimiter(sample: str) -> str:
    lines = sample.splitlines()
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        sample = "\n".join(lines[:-1])  # a cut-off last line misleads the sniffer
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        delimiter = ""
    header = lines[0] if lines else ""
    if delimiter and delimiter in header:
        return delimiter
    # The sniffer found nothing consistent: take the commonest candidate in the header.
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def reader(data: bytes, encoding: str, delimiter: str) -> Iterator[list[str]]:
    return csv.reader(text_stream(data, encoding), delimiter=delimiter, strict=False)


def numbered_rows(rows: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) for each data row after the header; blank rows are skipped.

    The line number counts physical lines, so it matches what a text editor shows even when
    a quoted cell spans lines.
    """
    for cells in rows:
        line = rows.line_num  # type: ignore[attr-defined]
        if not any(cell.strip() for cell in cells):
            continue
        yield line, cells


def inspect(data: bytes) -> CsvLayout:
    """Check the whole file is a readable table and return how to read it.

    Raises CsvFileError with a message for the person who uploaded it.
    """
    if not data.strip():
        raise CsvFileError("The file is empty.")
    encoding = detect_encoding(data)
    sample = data[:SNIFF_BYTES].decode(encoding, errors="ignore")
    if len(_CONTROL.findall(sample)) > max(5, len(sample) // 1000):
        raise CsvFileError(
            "This file does not look like text: save it from your spreadsheet as CSV."
        )
    delimiter = sniff_delimiter(sample)
    rows = reader(data, encoding, delimiter)
    try:
        headers = [h.strip() for h in next(rows)]
        _check_headers(headers)
        count = sum(1 for _ in numbered_rows(rows))
    except StopIteration:
        raise CsvFileError("The file is empty.") from None
    except csv.Error as err:
        line = getattr(rows, "line_num", 0)
        raise CsvFileError(
            f"Line {line} cannot be read as CSV ({err}). Is this really a CSV file?"
        ) from None
    except UnicodeDecodeError:
        raise CsvFileError("The file mixes text encodings. Save it again as “CSV UTF-8”.") from None
    if count == 0:
        raise CsvFileError("The file has a header row but no rows to import.")
    return CsvLayout(encoding=encoding, delimiter=delimiter, headers=headers, rows=count)


def _check_headers(headers: list[str]) -> None:
    if len(headers) > MAX_COLUMNS:
        raise CsvFileError(
            f"The first row has {len(headers)} columns; at most {MAX_COLUMNS} are supported. "
            "Is this really a CSV file with a header row?"
        )
    if not any(headers):
        raise CsvFileError("The first row must name the columns; it is empty.")
    if any(len(h) > MAX_HEADER_LENGTH for h in headers):
        raise CsvFileError(
            "The first row must name the columns, but it holds very long values. "
            "Add a header row with the column names."
        )
    if any(_CONTROL.search(h) for h in headers):
        raise CsvFileError("The column names contain control characters: is this a CSV file?")
    named = [h for h in headers if h]
    duplicates = sorted({h for h in named if named.count(h) > 1})
    if duplicates:
        raise CsvFileError(
            "Each column needs its own name; these appear twice: " + ", ".join(duplicates)
        )


def looks_like_formula(value: str) -> bool:
    """A spreadsheet formula saved instead of its value (=SUM(...), @A1, +cmd|...).

    Phone numbers (+44 ...) and negative numbers (-3.5) are values, not formulas, and so is
    text after a dash and a space ("- call back").
    """
    text = value.strip()
    if not text:
        return False
    if text[0] in "=@":
        return True
    if text[0] in "+-" and len(text) > 1:
        rest = text[1:]
        return rest[0].isalpha() or rest[0] == "(" or ("|" in rest and "!" in rest)
    return False


# A + and then only digits, spaces, dashes or brackets: a phone number in its international
# form. No function, cell reference or command can be written with those characters.
_PHONE_NUMBER = re.compile(r"\+[\d \-()]*\d[\d \-()]*")


def escape_cell(value: object) -> str:
    """The cell as text a spreadsheet shows instead of evaluating; a phone number is left
    as it is, so the export can be imported again or dialled."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not _PHONE_NUMBER.fullmatch(text):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose write returns the line, for a streaming response."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """Each CSV line as text, formulas escaped; a UTF-8 BOM first so Excel reads accents."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([escape_cell(h) for h in header])
    for row in rows:
        yield writer.writerow([escape_cell(cell) for cell in row])


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[object]], rows_per_chunk: int = 500
) -> Iterator[str]:
    """The text of ``csv_lines`` in chunks of many rows, for rows already escaped (each cell
    ``escape_cell``'s text, or a value it would leave as it is): a streamed response pays for
    each piece it sends (encoding, wrappers), a third of a large export's time a line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([escape_cell(h) for h in header])
    batch: list[Sequence[object]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == rows_per_chunk:
            writer.writerows(batch)
            batch.clear()
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    writer.writerows(batch)
    yield buffer.getvalue()

# Copyright: contributors to harica.certmanager
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_util is private to harica.certmanager: its interface may change at any time.

"""Reading the rows of a bulk issuance from a CSV file in HARICA's bulk format."""

from __future__ import annotations

import csv
import io
import typing as t

from ansible_collections.harica.certmanager.plugins.module_utils._bulk_rows import CSV_COLUMNS, CSV_HEADER, Row
from ansible_collections.harica.certmanager.plugins.module_utils._errors import HaricaInputError

# Column separators that spreadsheet programs write in place of the comma, with their plural
# names and how to fix the file. The fixes differ, because each separator comes from another setting.
SEPARATORS = {
    ";": ("semicolons", "If Excel still writes semicolons, set the list separator of the Windows region settings"
                        " to a comma and save again."),
    "\t": ("tabs", 'Excel writes tabs when a sheet is saved as "Text (Tab delimited)", and cells copied out of a'
                   " spreadsheet are separated by tabs too. Use Save As with the CSV format in place of either."),
}


def rows_from_csv(path: str) -> list[Row]:
    """Read a CSV in HARICA's format; a UTF-8 BOM, CRLF and quoted fields are accepted.

    Rows are numbered as a spreadsheet shows them: the header is row 1.
    """
    records = _read_records(path)
    if not records:
        raise HaricaInputError(f"csv_path {path} is empty: it needs the header {','.join(CSV_HEADER)}.")
    keys = _csv_keys(records[0], path)
    rows = []
    for index, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        extra = [cell for cell in record[len(keys):] if cell.strip()]
        if extra:
            raise HaricaInputError(f"csv_path {path}, row {index}: more values than the header has columns.")
        rows.append(Row(index, {key: cell for key, cell in zip(keys, record) if key}, from_csv=True))
    return rows


def _read_records(path: str) -> list[list[str]]:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise HaricaInputError(f"Cannot read csv_path {path}: {exc.strerror}.") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HaricaInputError(_not_utf8_message(path, data, exc.start)) from None
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise HaricaInputError(f"csv_path {path} is not a valid CSV file: {exc}.") from None


def _not_utf8_message(path: str, data: bytes, offset: int) -> str:
    """Name the row and column of the first text that is not UTF-8.

    Latin-1 reads every byte as one character and keeps the ASCII quotes, commas and line
    ends of the CSV, so parsing the bytes as Latin-1 gives the same rows and cells. A
    UTF-8 sequence never spans a separator, so the first cell that is not UTF-8 contains
    the byte at ``offset``.
    """
    fix = 'Save the file as "CSV UTF-8".'
    try:
        records = list(csv.reader(io.StringIO(data.decode("latin-1"), newline="")))
    except csv.Error:
        records = []
    cells = [[_utf8_or_none(cell) for cell in record] for record in records]
    header = [(cell or "").lstrip("\ufeff").strip() for cell in (cells[0] if cells else [])]
    for number, record in enumerate(cells, start=1):
        if None in record:
            position = record.index(None)
            column = header[position] if position < len(header) and header[position] else f"column {position + 1}"
            return f"csv_path {path}, row {number}, {column}: the text is not UTF-8 (byte {offset}). {fix}"
    return f"csv_path {path} is not UTF-8 (byte {offset}). {fix}"


def _utf8_or_none(latin1_text: str) -> str | None:
    try:
        return latin1_text.encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        return None


def _csv_keys(header: t.Sequence[str], path: str) -> list[str | None]:
    keys: list[str | None] = []
    for cell in header:
        name = cell.strip().replace(" ", "").lower()
        if not name:
            keys.append(None)  # HARICA's example ends every row with a comma.
            continue
        if name not in CSV_COLUMNS:
            _check_separator(cell, path)
            raise HaricaInputError(
                f"csv_path {path} has the unknown column {cell!r}: the header is {','.join(CSV_HEADER)}."
            )
        keys.append(CSV_COLUMNS[name])
    if "email" not in keys:
        raise HaricaInputError(f"csv_path {path} has no Email column: the header is {','.join(CSV_HEADER)}.")
    return keys


def _check_separator(cell: str, path: str) -> None:
    """Raise when a header cell contains known column names joined by a separator other than a comma.

    Excel saves CSV with the list separator of the Windows region settings, which is a
    semicolon in Greek and other locales whose decimal separator is a comma. Tabs come
    from Excel's tab-delimited text format or from cells copied out of a spreadsheet. The
    module names the separator and does not read the file with it, because HARICA reads commas.
    """
    for separator, (plural, fix) in SEPARATORS.items():
        names = [part.strip().replace(" ", "").lower() for part in cell.split(separator) if part.strip()]
        if len(names) > 1 and all(name in CSV_COLUMNS for name in names):
            raise HaricaInputError(
                f"csv_path {path} separates its columns with {plural} ({separator!r}), but HARICA's bulk format"
                f' uses commas. The file must be saved as "CSV UTF-8 (Comma delimited)". {fix}'
            )


__all__ = ("rows_from_csv",)

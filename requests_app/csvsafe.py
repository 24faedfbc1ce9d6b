"""The one writer for every CSV the app writes (the bundle's cases.csv, and any later export).

What it guarantees, so no caller has to remember it:

- **Excel in Japanese reads it**: UTF-8 with a byte-order mark (without one, Excel takes the
  file for Shift_JIS and garbles every kanji), CRLF line ends.
- **No cell runs as a formula** (OWASP, "CSV Injection"): a text cell that begins with
  ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe, so an
  address typed as ``=HYPERLINK("http://x","y")`` or a phone ``+81 52 …`` is shown as the
  text it is. Every text cell is also quoted, so a separator inside one (a ``;`` where a
  spreadsheet splits on it) cannot start a new cell behind the apostrophe.
- **Numbers stay numbers**: what the app itself computed as an ``int`` or a ``Decimal``
  (counts, amounts in yen, ids) is written bare, never quoted or prefixed. Only values typed
  as numbers count as numbers: a digit string that came from a form is text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal
from typing import Protocol

BOM = "\ufeff"
# The characters a spreadsheet takes as the start of a formula (or that move a cell so
# that the next character starts one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | Decimal | None


class TextSink(Protocol):
    def write(self, text: str, /) -> object: ...


def neutralise(text: str) -> str:
    """The text as a spreadsheet will show it and never evaluate it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell(value: Cell) -> str | int | Decimal:
    if value is None:
        return ""
    if isinstance(value, bool):
        # bool is an int to Python; to a reader it is neither a count nor an amount.
        raise TypeError("A CSV cell is text or a number, not a boolean.")
    if isinstance(value, int | Decimal):
        return value
    return neutralise(value)


class CsvWriter:
    """Rows into `sink` (anything with `write(str)`); the BOM goes first."""

    def __init__(self, sink: TextSink) -> None:
        sink.write(BOM)
        # QUOTE_NONNUMERIC quotes every str and leaves int and Decimal bare.
        self._writer = csv.writer(sink, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)

    def writerow(self, row: Iterable[Cell]) -> None:
        self._writer.writerow([cell(value) for value in row])

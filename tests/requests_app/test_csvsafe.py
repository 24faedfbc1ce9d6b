"""The one CSV writer: Excel-friendly, and no text cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from requests_app.csvsafe import CsvWriter, neutralise


def written(*rows: list[object]) -> str:
    out = io.StringIO()
    writer = CsvWriter(out)
    for row in rows:
        writer.writerow(row)  # type: ignore[arg-type]
    return out.getvalue()


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+81 52 322 3355", "'+81 52 322 3355"),
        ("=***@example.jp", "'=***@example.jp"),
        # What is already safe is left alone.
        ("愛知県名古屋市中区平和1丁目1番19号", "愛知県名古屋市中区平和1丁目1番19号"),
        ("052-322-3355", "052-322-3355"),
        ("a=1", "a=1"),
        (" =1+1", " =1+1"),
        ("'quoted", "'quoted"),
        ("", ""),
    ],
)
def test_every_leading_formula_character_gets_an_apostrophe(typed: str, shown: str) -> None:
    assert neutralise(typed) == shown
    text = written([typed])
    assert list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))) == [[shown]]


def test_numbers_the_app_computed_stay_numbers_and_text_is_quoted() -> None:
    text = written(["2026-000123", 42, Decimal("1000"), -3, None, "-3"])
    assert text == '\ufeff"2026-000123",42,1000,-3,"","\'-3"\r\n'


def test_excel_reads_it_as_utf8_with_crlf_line_ends() -> None:
    text = written(["受付番号"], ["高橋 美咲"])
    assert text.startswith("\ufeff") and text.count("\ufeff") == 1
    assert text.encode("utf-8").startswith(b"\xef\xbb\xbf")
    assert text.endswith('"高橋 美咲"\r\n') and text.count("\r\n") == 2


def test_a_separator_inside_a_cell_cannot_start_a_new_cell() -> None:
    # Where a spreadsheet splits on ";", the quotes keep "a;=1+1" one cell.
    assert written(["a;=1+1", "b,=1+1"]) == '\ufeff"a;=1+1","b,=1+1"\r\n'


def test_a_boolean_is_refused_rather_than_written_as_a_number() -> None:
    with pytest.raises(TypeError):
        written([True])

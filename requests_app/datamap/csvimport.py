"""Reading a CSV of provision records as Japanese Excel saves it.

Excel in Japanese saves "CSV (comma delimited)" in Shift_JIS (Windows code page 932) and
"CSV UTF-8" with a byte-order mark; both are read, and so is UTF-8 without one. Headings
may be the Japanese or the English ones of `COLUMNS` (the template download has them).
Each cell is checked here for what can be checked without the database (a formula, a date,
a yes/no, a choice); the services check the rest (the system, the basis, the whole record)
and save nothing from a file with any bad row. A leaf module.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from requests_app.datamap.choices import OrderExclusion, ProvisionBasis, ProvisionDirection


@dataclass(frozen=True)
class Column:
    key: str
    ja: str
    en: str
    kind: str = "text"  # text, date, yesno, direction, basis, exclusion
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("system", "システム", "System", required=True),
    Column("direction", "区分", "Our part", "direction", required=True),
    Column("basis", "根拠", "Basis", "basis", required=True),
    Column("abroad", "外国にある第三者", "Third party abroad", "yesno"),
    Column("consent_obtained", "本人の同意", "Consent obtained", "yesno"),
    Column("counterpart_name", "相手方の名称", "Other party", required=True),
    Column("counterpart_address", "相手方の住所", "Other party's address", required=True),
    Column("counterpart_is_corporation", "法人", "Corporation", "yesno"),
    Column("counterpart_representative", "代表者", "Representative"),
    Column("person_name", "本人の氏名", "Person's name", required=True),
    Column("person_name_kana", "本人のフリガナ", "Person's name in kana"),
    Column("person_date_of_birth", "本人の生年月日", "Person's date of birth", "date"),
    Column("person_identifier", "本人を特定する事項", "Other identifying details"),
    Column("data_items", "個人データの項目", "Items of personal data", required=True),
    Column("provided_on", "提供年月日", "Date of provision", "date"),
    Column("last_provision_on", "最後の提供年月日", "Last provision", "date", required=True),
    Column("acquisition", "提供元の取得の経緯", "How the provider acquired it"),
    Column("contract_record", "契約書等の記録", "Contract record", "yesno"),
    Column("exclusion", "開示の除外", "Excluded from disclosure", "exclusion"),
    Column("note", "備考", "Note"),
)
BY_HEADING = {
    name: column
    for column in COLUMNS
    for name in (column.key, column.ja, column.en, column.ja.replace("・", ""))
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_ROWS = 5000
YES = {"はい", "有", "あり", "○", "〇", "yes", "y", "true", "1"}
NO = {"いいえ", "無", "なし", "×", "no", "n", "false", "0", ""}
DIRECTIONS = {
    "提供": ProvisionDirection.PROVIDED,
    "受領": ProvisionDirection.RECEIVED,
    **{value: value for value in ProvisionDirection.values},
}
BASES = {
    "同意": ProvisionBasis.CONSENT,
    "本人の同意": ProvisionBasis.CONSENT,
    "オプトアウト": ProvisionBasis.OPT_OUT,
    "法令": ProvisionBasis.LAW,
    "委託": ProvisionBasis.ENTRUSTMENT,
    "事業承継": ProvisionBasis.SUCCESSION,
    "共同利用": ProvisionBasis.JOINT_USE,
    **{value: value for value in ProvisionBasis.values},
}


@dataclass
class RowInput:
    """One row of the file: its line number and its cells as Python values."""

    line: int
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


@dataclass
class CsvFile:
    rows: list[RowInput]
    problems: list[str]  # about the file as a whole (encoding, headings)

    @property
    def bad_rows(self) -> list[RowInput]:
        return [row for row in self.rows if row.problems]


def decode(data: bytes) -> str:
    """The text of a file saved by Excel: UTF-8 (with or without a BOM) or Shift_JIS."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp932")


def read(data: bytes) -> CsvFile:
    try:
        text = decode(data)
    except UnicodeDecodeError:
        return CsvFile(
            rows=[],
            problems=[_("The file is neither UTF-8 nor Shift_JIS; save it from Excel as CSV.")],
        )
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        headings = next(reader)
    except (StopIteration, csv.Error):
        return CsvFile(rows=[], problems=[_("The file is empty.")])
    columns: list[Column | None] = [BY_HEADING.get(_cell(heading)) for heading in headings]
    problems = []
    unknown = [heading for heading, column in zip(headings, columns, strict=True) if not column]
    if any(_cell(heading) for heading in unknown):
        problems.append(
            _("Unknown columns: %(names)s.") % {"names": "、".join(h for h in unknown if h)}
        )
    present = {column.key for column in columns if column}
    missing = [column for column in COLUMNS if column.required and column.key not in present]
    if missing:
        problems.append(
            _("Missing columns: %(names)s.") % {"names": "、".join(c.ja for c in missing)}
        )
    if problems:
        return CsvFile(rows=[], problems=problems)
    rows = []
    try:
        for cells in reader:
            if not any(_cell(cell) for cell in cells):
                continue
            rows.append(_row(reader.line_num, cells, columns))
            if len(rows) > MAX_ROWS:
                return CsvFile(
                    rows=[],
                    problems=[_("At most %(n)s rows per file.") % {"n": f"{MAX_ROWS:,}"}],
                )
    except csv.Error as error:
        return CsvFile(
            rows=[],
            problems=[
                _("Line %(line)s cannot be read: %(error)s")
                % {"line": reader.line_num, "error": error}
            ],
        )
    if not rows:
        return CsvFile(rows=[], problems=[_("The file has no rows.")])
    return CsvFile(rows=rows, problems=[])


def _cell(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def _row(line: int, cells: list[str], columns: list[Column | None]) -> RowInput:
    row = RowInput(line=line)
    if len(cells) > len(columns):
        row.problems.append(_("more cells than headings"))
    failed = set()
    for raw, column in zip(cells, columns, strict=False):
        if column is None:
            continue
        stripped = raw.strip()
        if stripped.startswith(FORMULA_STARTS) and stripped not in ("-", "－"):
            row.problems.append(
                _("“%(column)s” holds a formula (%(start)s…); enter the value itself")
                % {"column": heading(column), "start": stripped[:1]}
            )
            failed.add(column.key)
            continue
        try:
            row.values[column.key] = _value(column, stripped)
        except ValueError as error:
            row.problems.append(f"“{heading(column)}”: {error}")
            failed.add(column.key)
    for column in COLUMNS:
        if column.required and column.key not in failed and not row.values.get(column.key):
            row.problems.append(_("“%(column)s” is required") % {"column": heading(column)})
    return row


def heading(column: Column) -> str:
    return column.en if (get_language() or "ja").startswith("en") else column.ja


def _value(column: Column, raw: str) -> Any:
    text = _cell(raw)
    if text in ("-", "－"):
        text = ""
    if column.kind == "text":
        return raw.strip() if raw.strip() not in ("-", "－") else ""
    if column.kind == "date":
        return parse_date(text)
    if column.kind == "yesno":
        lowered = text.lower()
        if lowered in YES:
            return True
        if lowered in NO:
            return False
        raise ValueError(_("answer yes or no (はい／いいえ), not “%(value)s”") % {"value": text})
    table = {"direction": DIRECTIONS, "basis": BASES}.get(column.kind)
    if table is not None:
        if text in table:
            return str(table[text])
        raise ValueError(_("“%(value)s” is not one of the choices") % {"value": text})
    if column.kind == "exclusion":
        if text in OrderExclusion.values:
            return text
        raise ValueError(_("“%(value)s” is not one of the choices") % {"value": text})
    raise AssertionError(column.kind)


_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def parse_date(text: str) -> date | None:
    """2026-11-28, 2026/11/28 (as Excel shows dates in Japanese) or 2026年11月28日."""
    if not text:
        return None
    found = _DATE.match(text)
    if found is None:
        raise ValueError(_("“%(value)s” is not a date (write 2026-11-28)") % {"value": text})
    try:
        return date(*(int(part) for part in found.groups()))
    except ValueError as error:
        raise ValueError(
            _("“%(value)s” is not a date (write 2026-11-28)") % {"value": text}
        ) from error


TEMPLATE_NOTE = gettext_lazy(
    "One row per record. Our part: 提供 (we provided) or 受領 (we received). Basis: 同意 "
    "(consent) or オプトアウト (opt-out). Dates as 2026-11-28. Yes or no as はい or いいえ."
)

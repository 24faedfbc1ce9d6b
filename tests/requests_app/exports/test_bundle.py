"""The bundle: what is in it, that it holds exactly the listed cases, and its attachments."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from requests_app import selectors, services
from requests_app.audit import AuditEvent, chain_hash, current_head, record
from requests_app.exports import attachments, verify
from requests_app.exports.attachments import AttachmentRecord
from requests_app.exports.bundle import (
    CONTENT_FIELDS,
    EVENT_COLUMNS,
    Criteria,
    HashingSink,
    event_line,
    write_events,
)
from requests_app.exports.verify import verify_bundle
from requests_app.models import Case
from tests.factories import RequesterDataFactory, make_case
from tests.requests_app.exports.conftest import build, bundle_path, members

pytestmark = pytest.mark.django_db


def rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode()), "cases.csv starts with a BOM for Excel"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def events(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.decode().splitlines()]


def test_round_trip_holds_every_case_and_its_whole_trail(staff: Any, manager: Any) -> None:
    closed = make_case(actor=staff, manager=manager, state="closed", kinds=("disclosure",))
    working = make_case(actor=staff, state="in_progress", kinds=("correction", "complaint"))
    services.note_add(case=working, actor=staff, body="電話で確認済み")
    export = build(manager)

    files = members(export)
    letter = closed.letters.get()  # the closed case's disclosure letter, from the register
    letter_path = f"letters/{closed.reference}/{letter.number}-disclosure.pdf"
    assert sorted(files) == [
        "README.txt",
        "cases.csv",
        "events.jsonl",
        letter_path,
        "manifest.json",
        "searches.csv",
        "verify.py",
    ]
    assert files["verify.py"] == verify.source()  # the system's own verifier, unchanged
    readme = files["README.txt"].decode()
    assert "verify.py                 (in the folder the bundle was unpacked into)" in readme
    assert "python3 verify.py <bundle.zip>    (the ZIP as downloaded)" in readme
    assert hashlib.sha256(files[letter_path]).hexdigest() == letter.sha256
    table = rows(files["cases.csv"])
    assert table[0][:3] == ["Reference", "Case ID", "State"]
    assert [row[0] for row in table[1:]] == [closed.reference, working.reference]
    assert table[1][2] == "Closed"
    assert "Correction, addition or deletion (Art. 34)" in table[2][3]
    assert table[1][17] == "052-322-3355"  # a manager works cases: contact details in full

    lines = events(files["events.jsonl"])
    in_trail = list(
        AuditEvent.objects.filter(case__in=[closed, working])
        .order_by("seq")
        .values_list("seq", "hash")
    )
    assert [(line["seq"], line["hash"]) for line in lines] == in_trail
    assert {int(row[25]) for row in table[1:]} == {
        AuditEvent.objects.filter(case=closed).count(),
        AuditEvent.objects.filter(case=working).count(),
    }
    for line in lines:
        content = {name: line[name] for name in CONTENT_FIELDS}
        assert chain_hash(line["prev_hash"], content) == line["hash"]

    manifest = json.loads(files["manifest.json"])
    listed = {entry["path"]: entry["sha256"] for entry in manifest["files"]}
    assert listed == {
        name: hashlib.sha256(files[name]).hexdigest()
        for name in (
            "cases.csv",
            "searches.csv",
            "events.jsonl",
            "README.txt",
            "verify.py",
            letter_path,
        )
    }
    assert manifest["exported_by"]["username"] == manager.username
    assert manifest["counts"] == {
        "cases": 2,
        "searches": 0,
        "events": len(lines),
        "attachments": 1,
    }
    assert manifest["audit_chain"] == {"head_seq": export.chain_seq, "head_hash": export.chain_hash}
    assert export.manifest_sha256 == hashlib.sha256(files["manifest.json"]).hexdigest()


def test_the_chain_head_is_taken_at_the_moment_of_export(staff: Any, manager: Any) -> None:
    make_case(actor=staff, state="in_progress")
    seq_before, hash_before = current_head()
    export = build(manager)
    manifest = json.loads(members(export)["manifest.json"])
    # The export.requested event came first; the head is the trail's last event then.
    requested = AuditEvent.objects.get(action="export.requested")
    assert manifest["audit_chain"] == {"head_seq": requested.seq, "head_hash": requested.hash}
    assert requested.seq == seq_before + 1 and requested.prev_hash == hash_before


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (selectors.CaseFilters(), {"old", "new", "closed", "kana"}),
        (selectors.CaseFilters(state="open"), {"old", "new", "kana"}),
        (selectors.CaseFilters(state="closed"), {"closed"}),
        (selectors.CaseFilters(kind="complaint"), {"new"}),
        (selectors.CaseFilters(q="すずき"), {"kana"}),
        (selectors.CaseFilters(due="overdue"), {"old"}),
    ],
)
def test_the_bundle_holds_exactly_what_the_case_list_shows(
    staff: Any, manager: Any, filters: selectors.CaseFilters, expected: set[str]
) -> None:
    today = timezone.localdate()
    made = {
        "old": make_case(actor=staff, arrival_date=today - timedelta(days=40)),
        "new": make_case(actor=staff, kinds=("complaint",)),
        "closed": make_case(actor=staff, manager=manager, state="closed"),
        "kana": make_case(
            actor=staff,
            requester=RequesterDataFactory(name="鈴木 一郎", name_kana="スズキ イチロウ"),
        ),
    }
    names = {case.reference: name for name, case in made.items()}
    listed = {names[case.reference] for case in selectors.case_list(filters)}
    assert listed == expected
    export = build(manager, Criteria(filters=filters))
    exported = {names[row[0]] for row in rows(members(export)["cases.csv"])[1:]}
    assert exported == listed
    lines = events(members(export)["events.jsonl"])
    assert {line["case_id"] for line in lines} == {made[name].pk for name in expected}


def test_period_limits_by_arrival_date(staff: Any, manager: Any) -> None:
    today = timezone.localdate()
    early = make_case(actor=staff, arrival_date=today - timedelta(days=60))
    middle = make_case(actor=staff, arrival_date=today - timedelta(days=30))
    make_case(actor=staff, arrival_date=today - timedelta(days=1))
    criteria = Criteria(
        arrival_from=today - timedelta(days=60), arrival_to=today - timedelta(days=30)
    )
    export = build(manager, criteria)
    assert [row[0] for row in rows(members(export)["cases.csv"])[1:]] == [
        early.reference,
        middle.reference,
    ]
    manifest = json.loads(members(export)["manifest.json"])
    assert manifest["filters"]["arrival_from"] == (today - timedelta(days=60)).isoformat()


def test_an_empty_selection_makes_a_valid_bundle(manager: Any) -> None:
    export = build(manager, Criteria(filters=selectors.CaseFilters(state="abandoned")))
    assert rows(members(export)["cases.csv"])[1:] == []
    assert members(export)["events.jsonl"] == b""
    assert verify_bundle(bundle_path(export)).cases == 0


def test_japanese_bundle_headings_and_labels(staff: Any, manager: Any) -> None:
    make_case(actor=staff, manager=manager, state="closed")
    export = build(manager, language="ja")
    table = rows(members(export)["cases.csv"])
    assert table[0][0] == "受付番号"
    assert table[1][2] == "完了"
    assert "ご本人" in table[1][20]
    readme = members(export)["README.txt"].decode()
    assert "確認" in readme
    assert "python3 verify.py                 （出力ファイルを展開したフォルダで実行）" in readme


FORMULAS = RequesterDataFactory.build(
    address='=HYPERLINK("http://x","y")',
    phone="+81 52 322 3355",
    email="=1+1@example.jp",
)


@pytest.mark.parametrize(
    ("exporter", "phone", "email"),
    [
        ("manager", "'+81 52 322 3355", "'=1+1@example.jp"),
        # An auditor's bundle masks contact details; the mask keeps the leading character.
        ("auditor", "'+81 ** *** **55", "'=***@example.jp"),
    ],
)
def test_what_a_person_typed_cannot_run_in_a_spreadsheet(
    staff: Any, manager: Any, auditor: Any, exporter: str, phone: str, email: str
) -> None:
    case = make_case(actor=staff, state="in_progress", requester=FORMULAS)
    export = build({"manager": manager, "auditor": auditor}[exporter])
    raw = members(export)["cases.csv"]
    table = rows(raw)
    assert table[1][16] == '\'=HYPERLINK("http://x","y")'
    assert (table[1][17], table[1][18]) == (phone, email)
    # Ids, amounts and counts are written bare: the spreadsheet reads them as numbers.
    events = AuditEvent.objects.filter(case=case).count()
    line = raw.decode("utf-8-sig").splitlines()[1]
    assert line.startswith(f'"{case.reference}",{case.pk},"')
    assert line.endswith(
        f',{case.fee_due},{case.fee_paid},{events},"{table[1][26]}","{table[1][27]}"'
    )
    assert table[1][27] == "Post (郵送)"  # the channel, the last column
    assert verify_bundle(bundle_path(export)).cases == 1


class FakeLetters:
    """An attachment provider such as the letter register: two PDFs for each case."""

    name = "fake-letters"

    def __init__(self) -> None:
        self.asked: list[list[int]] = []

    def files(self, case_ids: Iterable[int]) -> Iterator[tuple[str, bytes]]:
        ids = list(case_ids)
        self.asked.append(ids)
        for case in Case.objects.filter(pk__in=ids).order_by("pk"):
            for kind in ("acknowledgement", "disclosure"):
                yield f"letters/{case.reference}/{kind}.pdf", self.pdf(case, kind)

    def records(self, case_id: int) -> list[AttachmentRecord]:
        case = Case.objects.get(pk=case_id)
        content = self.pdf(case, "disclosure")
        return [
            AttachmentRecord(
                title="開示決定通知書",
                sent_on=timezone.localdate(),
                sha256=hashlib.sha256(content).hexdigest(),
            )
        ]

    @staticmethod
    def pdf(case: Case, kind: str) -> bytes:
        return f"%PDF-1.7 {kind} {case.reference}".encode()


@pytest.fixture
def letters() -> Iterator[FakeLetters]:
    provider = FakeLetters()
    attachments.register(provider)
    yield provider
    attachments.unregister(provider.name)


def test_attachments_from_a_provider_are_in_the_bundle_and_hashed(
    staff: Any, manager: Any, letters: FakeLetters
) -> None:
    first = make_case(actor=staff)
    second = make_case(actor=staff, kinds=("complaint",))
    make_case(actor=staff, manager=manager, state="withdrawn")
    export = build(manager, Criteria(filters=selectors.CaseFilters(state="received")))

    files = members(export)
    expected = {
        f"letters/{case.reference}/{kind}.pdf": FakeLetters.pdf(case, kind)
        for case in (first, second)
        for kind in ("acknowledgement", "disclosure")
    }
    assert {name: files[name] for name in expected} == expected
    assert sorted(letters.asked[0]) == sorted([first.pk, second.pk])
    manifest = json.loads(files["manifest.json"])
    assert manifest["counts"]["attachments"] == 4
    assert {entry["path"] for entry in manifest["files"]} >= set(expected)
    assert verify_bundle(bundle_path(export)).files == 9


class UnsafeProvider:
    name = "unsafe"

    def files(self, case_ids: Iterable[int]) -> Iterator[tuple[str, bytes]]:
        yield "../../etc/passwd", b"x"

    def records(self, case_id: int) -> list[AttachmentRecord]:
        return []


def test_an_attachment_path_that_climbs_out_fails_the_export(staff: Any, manager: Any) -> None:
    make_case(actor=staff)
    attachments.register(UnsafeProvider())
    try:
        from requests_app.exports import services as export_services

        export = export_services.export_request(actor=manager, criteria=Criteria(), language="en")
        result = export_services.export_build(export_id=export.pk)
    finally:
        attachments.unregister("unsafe")
    assert result is not None and result.status == "failed"
    assert "Unsafe attachment path" in result.error
    assert AuditEvent.objects.filter(action="export.failed").count() == 1


def test_a_provider_name_is_registered_once(letters: FakeLetters) -> None:
    with pytest.raises(ValueError, match="registered already"):
        attachments.register(FakeLetters())


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL renders the lines itself there"
)
def test_the_database_renders_each_line_as_python_would(staff: Any, manager: Any) -> None:
    case = make_case(actor=staff, manager=manager, state="closed")
    services_withdrawn = make_case(actor=staff)
    from requests_app import services as case_services

    case_services.case_withdraw(
        case=services_withdrawn,
        actor=staff,
        reason='ご本人から「取下げ」の連絡。\n引用符 " とバックスラッシュ \\ を含む',
    )
    with transaction.atomic():
        record(action="case.note.added", case=case, payload={"ratio": 0.25, "nested": {"a": [1]}})
    events = AuditEvent.objects.order_by("seq")
    out = io.BytesIO()
    sink = HashingSink(out)
    write_events(sink, events, masked=False)
    sink.flush()
    from_database = [json.loads(line) for line in out.getvalue().decode().splitlines()]
    from_python = [
        json.loads(event_line(row, masked=False)[0]) for row in events.values_list(*EVENT_COLUMNS)
    ]
    assert from_database == from_python
    assert list(from_database[0]) == list(EVENT_COLUMNS)
    assert from_database[-1]["actor_id"] is None

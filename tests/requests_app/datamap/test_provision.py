"""The register of provision to third parties (第三者提供記録): entry, import from Excel's
CSV, retention, and the disclosure of a person's records (Art. 33(5))."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from requests_app import services as case_services
from requests_app.audit import AuditEvent
from requests_app.choices import Outcome
from requests_app.datamap import csvimport, services
from requests_app.datamap.choices import OrderExclusion, ProvisionBasis, ProvisionDirection
from requests_app.datamap.models import DataSystem, ProvisionRecord
from requests_app.errors import InvalidInput, TransitionBlocked
from requests_app.letters import services as letters
from requests_app.letters.kinds import LetterKind
from tests.conftest import client_for
from tests.factories import stored_files_in_place
from tests.requests_app.datamap.conftest import case_for
from tests.requests_app.letters.conftest import pdftotext, stored_bytes

pytestmark = pytest.mark.django_db

NEWSLETTER = "メールマガジン・展示会来場者リスト"


def record_data(**changes: Any) -> services.ProvisionData:
    values: dict[str, Any] = {
        "system_id": DataSystem.objects.get(name=NEWSLETTER).pk,
        "direction": ProvisionDirection.PROVIDED,
        "basis": ProvisionBasis.CONSENT,
        "consent_obtained": True,
        "counterpart_name": "株式会社中部イベント企画",
        "counterpart_address": "愛知県名古屋市中村区名駅四丁目7番1号",
        "counterpart_is_corporation": True,
        "counterpart_representative": "代表取締役 森 健司",
        "person_name": "高橋 美咲",
        "person_name_kana": "タカハシ ミサキ",
        "person_date_of_birth": date(1988, 4, 12),
        "data_items": "氏名、勤務先、電子メールアドレス",
        "provided_on": date(2025, 10, 8),
        "last_provision_on": date(2025, 10, 8),
    }
    values.update(changes)
    return services.ProvisionData(**values)


# --- one by one -----------------------------------------------------------------------------


def test_a_consent_record_is_kept_three_years_and_audited_without_the_persons_details(
    staff: Any,
) -> None:
    record = services.provision_add(actor=staff, data=record_data())
    assert record.retain_until == date(2028, 10, 8)
    assert record.person_key == "高橋美咲"
    event = AuditEvent.objects.get(action="provision.added")
    assert event.payload["record"] == record.pk
    assert "高橋" not in str(event.payload)
    contract = services.provision_add(actor=staff, data=record_data(contract_record=True))
    assert contract.retain_until == date(2026, 10, 8)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"basis": ProvisionBasis.ENTRUSTMENT}, "entrustment"),
        ({"basis": ProvisionBasis.JOINT_USE}, "joint use"),
        ({"basis": ProvisionBasis.LAW}, "Art. 27(1)"),
        ({"basis": ProvisionBasis.PUBLIC_BODY}, "local government"),
        ({"counterpart_representative": ""}, "representative"),
        ({"consent_obtained": False}, "consent was obtained"),
        ({"basis": ProvisionBasis.OPT_OUT, "provided_on": None}, "opt-out"),
        ({"direction": ProvisionDirection.RECEIVED}, "acquired"),
        ({"exclusion": OrderExclusion.CRIME}, "Cabinet Order excludes"),
    ],
)
def test_a_record_the_act_does_not_ask_for_or_an_incomplete_one_is_refused(
    staff: Any, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        services.provision_add(actor=staff, data=record_data(**changes))
    assert message in " ".join([raised.value.message, *raised.value.details])
    assert not ProvisionRecord.objects.exists()


def test_an_entrustment_abroad_is_recorded(staff: Any) -> None:
    record = services.provision_add(
        actor=staff, data=record_data(basis=ProvisionBasis.ENTRUSTMENT, abroad=True)
    )
    assert record.abroad


def test_the_form_refuses_an_exempt_provision_with_the_reason(staff: Any) -> None:
    data = {
        "system": str(DataSystem.objects.get(name=NEWSLETTER).pk),
        "direction": "provided",
        "basis": "joint_use",
        "counterpart_name": "CMCソリューションズ株式会社",
        "counterpart_address": "愛知県名古屋市中区",
        "person_name": "高橋 美咲",
        "data_items": "氏名",
        "last_provision_on": "2026-01-05",
    }
    response = client_for(staff).post(reverse("datamap:provision_create"), data)
    assert response.status_code == 400
    assert "joint use within Japan" in response.content.decode()
    assert not ProvisionRecord.objects.exists()


# --- importing a CSV as Excel saves it --------------------------------------------------------

HEADINGS = [column.ja for column in csvimport.COLUMNS]


def csv_bytes(rows: list[dict[str, str]], *, encoding: str = "utf-8", bom: bool = False) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADINGS)
    for row in rows:
        writer.writerow([row.get(column.key, "") for column in csvimport.COLUMNS])
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def row(**changes: str) -> dict[str, str]:
    values = {
        "system": NEWSLETTER,
        "direction": "提供",
        "basis": "同意",
        "consent_obtained": "はい",
        "counterpart_name": "株式会社中部イベント企画",
        "counterpart_address": "愛知県名古屋市中村区名駅四丁目7番1号",
        "counterpart_is_corporation": "はい",
        "counterpart_representative": "代表取締役 森 健司",
        "person_name": "高橋 美咲",
        "person_name_kana": "タカハシ ミサキ",
        "person_date_of_birth": "1988/4/12",
        "data_items": "氏名、勤務先、電子メールアドレス",
        "provided_on": "2025/10/8",
        "last_provision_on": "2025/10/8",
    }
    values.update(changes)
    return values


@pytest.mark.parametrize(
    ("encoding", "bom", "name"),
    [
        ("utf-8", True, "髙橋 一郎"),
        ("utf-8", False, "髙橋 一郎"),
        # Windows' Shift_JIS (cp932) has 髙, which plain Shift_JIS lacks.
        ("cp932", False, "髙橋 一郎"),
        ("shift_jis", False, "高橋 一郎"),
    ],
)
def test_a_csv_from_excel_is_imported_in_any_of_its_encodings(
    staff: Any, encoding: str, bom: bool, name: str
) -> None:
    data = csv_bytes(
        [row(), row(person_name=name, person_date_of_birth="1960-01-31")],
        encoding=encoding,
        bom=bom,
    )
    records = services.provision_import(
        actor=staff, parsed=csvimport.read(data), file_name="records.csv"
    )
    assert [r.person_name for r in records] == ["高橋 美咲", name]
    assert records[1].person_date_of_birth == date(1960, 1, 31)
    assert records[0].retain_until == date(2028, 10, 8)
    event = AuditEvent.objects.get(action="provision.imported")
    assert event.payload["count"] == 2


def test_a_file_with_any_bad_row_saves_nothing_and_names_each_bad_row(staff: Any) -> None:
    data = csv_bytes(
        [
            row(),
            row(counterpart_name='=HYPERLINK("http://example.com","click")'),
            row(last_provision_on="2025/13/40"),
            row(system="存在しないシステム"),
            row(basis="委託"),
            row(),
        ],
        encoding="cp932",
    )
    with pytest.raises(InvalidInput) as raised:
        services.provision_import(actor=staff, parsed=csvimport.read(data), file_name="x.csv")
    details = raised.value.details
    assert len(details) == 4
    assert details[0].startswith("Line 3:") and "formula" in details[0]
    assert details[1].startswith("Line 4:") and "not a date" in details[1]
    assert details[2].startswith("Line 5:") and "存在しないシステム" in details[2]
    assert details[3].startswith("Line 6:") and "entrustment" in details[3]
    assert not ProvisionRecord.objects.exists()
    assert not AuditEvent.objects.filter(action="provision.imported").exists()


def test_headings_that_are_not_the_registers_are_refused(staff: Any) -> None:
    parsed = csvimport.read("名前,住所\n高橋,名古屋\n".encode())
    assert "Unknown columns" in parsed.problems[0]
    assert "Missing columns" in parsed.problems[1]


def test_the_import_page_shows_every_bad_row(staff: Any) -> None:
    data = csv_bytes([row(), row(person_date_of_birth="昭和63年4月12日")], bom=True)
    response = client_for(staff).post(
        reverse("datamap:provision_import"),
        {"file": SimpleUploadedFile("records.csv", data, content_type="text/csv")},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Nothing was imported" in text and "Line 3:" in text
    assert not ProvisionRecord.objects.exists()
    template = client_for(staff).get(reverse("datamap:provision_template"))
    assert template.content.decode("utf-8").lstrip("\ufeff").startswith('"システム","区分"')


# --- retention ------------------------------------------------------------------------------


def test_records_past_their_period_are_deleted_but_not_those_of_an_open_request(
    staff: Any, manager: Any
) -> None:
    today = timezone.localdate()
    long_ago = today - timedelta(days=365 * 3 + 30)
    old = services.provision_add(
        actor=staff,
        data=record_data(
            person_name="佐藤 健太",
            person_date_of_birth=None,
            provided_on=long_ago,
            last_provision_on=long_ago,
        ),
    )
    kept_for_request = services.provision_add(
        actor=staff, data=record_data(provided_on=long_ago, last_provision_on=long_ago)
    )
    current = services.provision_add(actor=staff, data=record_data())
    # 高橋 美咲 has an open request to disclose her records: hers stays until it is answered.
    case_for(staff, manager, "third_party_records")
    assert services.provision_purge_expired(today=today) == 1
    remaining = set(ProvisionRecord.objects.values_list("pk", flat=True))
    assert remaining == {kept_for_request.pk, current.pk}
    deleted = AuditEvent.objects.get(action="provision.deleted")
    assert deleted.payload["record"] == old.pk
    assert deleted.actor_username == "system"
    # Running again deletes nothing more.
    assert services.provision_purge_expired(today=today) == 0


def test_the_daily_task_purges(staff: Any) -> None:
    from requests_app.datamap.tasks import purge_provision_records

    long_ago = timezone.localdate() - timedelta(days=400)
    services.provision_add(
        actor=staff,
        data=record_data(contract_record=True, provided_on=long_ago, last_provision_on=long_ago),
    )
    assert purge_provision_records.apply().get() == 1
    assert not ProvisionRecord.objects.exists()


# --- disclosing a person's records (Art. 33(5)) ------------------------------------------------


def test_a_request_for_the_records_lists_two_and_leaves_out_the_excluded_one(
    staff: Any, manager: Any
) -> None:
    case = case_for(staff, manager, "third_party_records")
    listed = services.provision_add(actor=staff, data=record_data())
    excluded = services.provision_add(
        actor=staff,
        data=record_data(
            counterpart_name="愛知県警察本部",
            counterpart_address="愛知県名古屋市中区三の丸二丁目1番1号",
            counterpart_is_corporation=False,
            counterpart_representative="",
            data_items="氏名、来場日時、防犯カメラの記録",
            exclusion=OrderExclusion.CRIME,
            exclusion_note="捜査関係事項照会への回答。存在が明らかになると捜査に支障が及ぶおそれ。",
        ),
    )
    page = client_for(staff, "ja").get(reverse("requests_app:case_detail", args=[case.reference]))
    assert page.content.decode().count("株式会社中部イベント企画") >= 1
    item = case.items.get()
    for record in (listed, excluded):
        services.provision_link(item=item, actor=staff, record=record)
    case_services.item_record_outcome(item=item, actor=staff, outcome=Outcome.DONE)
    # Drafted while the decision is made (it goes for approval with the decision).
    with stored_files_in_place():
        letter = letters.letter_request(case=case, actor=staff, kind=LetterKind.DISCLOSURE)
        letters.letter_generate(letter_id=letter.pk)
    letter.refresh_from_db()
    text = pdftotext(stored_bytes(letter)).replace(" ", "")
    assert "第三者提供記録は、次の表のとおりです（1件" in text
    # The row holds what the Rules make the record hold (Art. 20): the recipient, its
    # address and representative, what identifies the person, the items, the consent.
    for present in (
        "当社から第三",
        "株式会社中部イベ",
        "代表取締役森健司",
        "提供年月日:2025-10-08",
        "個人データの項目:氏名、勤務先",
        "本人の同意:取得済み",
    ):
        assert present in text, present
    # The excluded record is not in the letter, not even as a count or a hint.
    for absent in ("愛知県警察", "防犯カメラ", "除外", "捜査"):
        assert absent not in text, absent
    # The approver sees it beside the letter; staff do not.
    url = reverse("requests_app:letter_detail", args=[case.reference, letter.pk])
    approver_page = client_for(manager, "ja").get(url).content.decode()
    assert 'data-testid="excluded-records"' in approver_page
    assert "愛知県警察本部" in approver_page
    staff_page = client_for(staff, "ja").get(url).content.decode()
    assert "愛知県警察本部" not in staff_page


def test_the_records_letter_needs_a_disclosable_record_or_nothing_held(
    staff: Any, manager: Any
) -> None:
    case = case_for(staff, manager, "third_party_records")
    item = case.items.get()
    excluded = services.provision_add(
        actor=staff,
        data=record_data(exclusion=OrderExclusion.LIFE_BODY_PROPERTY, exclusion_note="危険"),
    )
    services.provision_link(item=item, actor=staff, record=excluded)
    case_services.item_record_outcome(item=item, actor=staff, outcome=Outcome.DONE)
    with pytest.raises(TransitionBlocked) as raised:
        letters.letter_request(case=case, actor=staff, kind=LetterKind.DISCLOSURE)
    assert "No personal data held" in " ".join(raised.value.details)

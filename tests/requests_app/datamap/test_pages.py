"""The data map's pages: the map, its edits (audited before and after), its exports, the
department contact's task pages, staff's review, and the provision register."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from requests_app.audit import AuditEvent
from requests_app.datamap import services
from requests_app.datamap.choices import SearchResult, TaskStatus
from requests_app.datamap.models import DataSystem, Department, Finding, SearchTask
from requests_app.datamap.reference import SYSTEMS
from tests.conftest import client_for
from tests.requests_app.datamap.conftest import case_for

pytestmark = pytest.mark.django_db


def system(name: str) -> DataSystem:
    return DataSystem.objects.get(name=name)


# --- the data map ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff", "manager", "auditor", "administrator"])
def test_readers_see_the_data_map_in_both_languages(personas: dict[str, Any], who: str) -> None:
    for language, heading in (("ja", "個人情報管理台帳"), ("en", "Data map")):
        page = client_for(personas[who], language).get(reverse("datamap:system_list"))
        assert page.status_code == 200
        text = page.content.decode()
        assert heading in text
        assert text.count('data-system="') == len(SYSTEMS)
    english = client_for(personas[who], "en").get(reverse("datamap:system_list")).content.decode()
    assert "Shareholder register" in english and "株主名簿" not in english
    detail = client_for(personas[who]).get(
        reverse("datamap:system_detail", args=[system("株主名簿").pk])
    )
    assert "株主名簿管理人（信託銀行）" in detail.content.decode()


def test_only_managers_and_administrators_edit_it(personas: dict[str, Any]) -> None:
    url = reverse("datamap:system_edit", args=[system("株主名簿").pk])
    for who, expected in (
        ("staff", 403),
        ("auditor", 403),
        ("contact", 403),
        ("manager", 200),
        ("administrator", 200),
    ):
        assert client_for(personas[who]).get(url).status_code == expected, who


def form_data(target: DataSystem, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": target.name,
        "name_en": target.name_en,
        "department": str(target.department_id),
        "description": target.description,
        "relationships": target.relationships,
        "search_keys": target.search_keys,
        "items": target.items,
        "purposes": target.purposes,
        "retention": target.retention,
        "subcontractors": target.subcontractors,
        "third_parties": target.third_parties,
        "abroad": target.abroad,
        "search_method": target.search_method,
        "connector": target.connector,
        "connector_query": target.connector_query,
    }
    for flag in ("shared_with_group", "requests_apply", "active"):
        if getattr(target, flag):
            data[flag] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_an_edit_is_audited_with_before_and_after(manager: Any) -> None:
    target = system("株主名簿")
    response = client_for(manager).post(
        reverse("datamap:system_edit", args=[target.pk]),
        form_data(
            target,
            retention="株主でなくなった後5年",
            items=[*target.items, "ict"],
            abroad="株主名簿管理人の海外拠点（シンガポール）",
        ),
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="datamap.system.changed")
    assert event.actor_username == "kenichi"
    changes = event.payload["changes"]
    assert changes["retention"] == {
        "before": "株主でなくなった後10年",
        "after": "株主でなくなった後5年",
    }
    assert changes["items"]["after"][-1] == "ict"
    assert changes["abroad"]["before"] == ""
    assert set(changes) == {"retention", "items", "abroad"}
    # Saving without a change writes nothing.
    target.refresh_from_db()
    client_for(manager).post(reverse("datamap:system_edit", args=[target.pk]), form_data(target))
    assert AuditEvent.objects.filter(action="datamap.system.changed").count() == 1


def test_a_new_system_and_bad_input(manager: Any) -> None:
    client = client_for(manager)
    sales = Department.objects.get(name="営業本部")
    bad = client.post(
        reverse("datamap:system_create"),
        {
            "name": "",
            "department": str(sales.pk),
            "retention": "",
            "search_method": "connector",
            "connector": "",
            "connector_query": "DELETE FROM customers",
            "requests_apply": "on",
        },
    )
    assert bad.status_code == 400
    text = bad.content.decode()
    for message in (
        "This field is required.",
        "Whose data does it hold?",
        "What can the department search it by?",
        "The query must be a SELECT",
        "is configured on this server",
    ):
        assert message in text, message
    assert not DataSystem.objects.filter(department=sales, name="").exists()
    good = client.post(
        reverse("datamap:system_create"),
        {
            "name": "ウェビナー参加者リスト",
            "name_en": "Webinar attendees",
            "department": str(sales.pk),
            "retention": "開催後2年",
            "relationships": ["customer", "business_contact"],
            "search_keys": ["name", "email"],
            "items": ["name", "work_contact"],
            "purposes": ["customer.4"],
            "search_method": "manual",
            "requests_apply": "on",
            "active": "on",
        },
    )
    assert good.status_code == 302
    created = DataSystem.objects.get(name="ウェビナー参加者リスト")
    assert created.purposes == ["customer.4"]
    assert AuditEvent.objects.filter(action="datamap.system.created").exists()


def test_departments_and_their_contacts(manager: Any, contact: Any, staff: Any) -> None:
    client = client_for(manager)
    marketing = Department.objects.get(name="マーケティング部")
    response = client.post(
        reverse("datamap:department_edit", args=[marketing.pk]),
        {"name": marketing.name, "name_en": marketing.name_en, "contacts": [str(contact.pk)]},
    )
    assert response.status_code == 302
    assert list(marketing.contacts.all()) == [contact]
    event = AuditEvent.objects.get(action="datamap.department.changed")
    assert event.payload["changes"]["contacts"] == {"before": [], "after": ["jiro"]}
    # Only users with the department contact role can be named.
    refused = client.post(
        reverse("datamap:department_edit", args=[marketing.pk]),
        {"name": marketing.name, "contacts": [str(staff.pk)]},
    )
    assert refused.status_code == 400
    page = client_for(manager).get(reverse("datamap:department_list")).content.decode()
    assert "中村 次郎" in page


def test_the_export_as_csv_and_json(auditor: Any, contact: Any) -> None:
    response = client_for(auditor, "ja").get(reverse("datamap:export", args=["csv"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows[0][0] == "システム"
    assert len(rows) == 1 + len(SYSTEMS)
    by_name = {row[0]: row for row in rows[1:]}
    assert "中村 次郎" in by_name["顧客管理データベース"][3]
    document = json.loads(client_for(auditor).get(reverse("datamap:export", args=["json"])).content)
    entry = next(s for s in document["systems"] if s["name"] == "Webアクセスログ・Cookie")
    assert entry["department"]["name"] == "情報システム部"
    assert entry["sharing"]["abroad"].startswith("アクセス解析サービス事業者（米国）")
    assert entry["search"] == {"method": "manual", "connector": ""}
    assert {r["code"] for r in entry["relationships"]} == {"customer", "business_contact", "other"}
    assert [p["code"] for p in entry["purposes"]] == ["customer.3", "customer.5"]
    assert entry["items"][0]["code"] == "ict"
    customers = next(s for s in document["systems"] if s["name"] == "顧客管理データベース")
    assert customers["department"]["contacts"][0]["username"] == "jiro"
    assert AuditEvent.objects.filter(action="datamap.exported").count() == 2


def test_an_exported_cell_never_runs_as_a_formula(manager: Any) -> None:
    DataSystem.objects.filter(name="株主名簿").update(retention='=HYPERLINK("http://x","y")')
    body = client_for(manager).get(reverse("datamap:export", args=["csv"])).content.decode()
    assert '"\'=HYPERLINK(""http://x"",""y"")"' in body


def test_the_command_exports_the_same(tmp_path: Any, reference_data: None) -> None:
    target = tmp_path / "map.json"
    call_command("datamap", "export", "--format", "json", "--output", str(target))
    document = json.loads(target.read_text(encoding="utf-8"))
    assert {s["name"] for s in document["systems"]} == {row["name"] for row in SYSTEMS}
    csv_target = tmp_path / "map.csv"
    call_command("datamap", "export", "--format", "csv", "--output", str(csv_target))
    assert csv_target.read_bytes().startswith(b"\xef\xbb\xbf")
    assert (
        AuditEvent.objects.filter(action="datamap.exported", actor_username="system").count() == 2
    )


# --- the department contact's pages ---------------------------------------------------------


def test_the_contact_sees_their_tasks_due_first_and_only_what_the_system_is_searched_by(
    staff: Any, manager: Any, contact: Any
) -> None:
    first = case_for(staff, manager, "disclosure")
    second = case_for(staff, manager, "correction")
    t1 = services.searches_send(
        case=first, actor=staff, system_ids=[system("顧客管理データベース").pk]
    )[0]
    t2 = services.searches_send(
        case=second, actor=staff, system_ids=[system("取引先担当者名刺管理").pk]
    )[0]
    SearchTask.objects.filter(pk=t2.pk).update(due_date=t1.due_date - timezone.timedelta(days=1))
    page = client_for(contact, "ja").get(reverse("datamap:task_list"))
    text = page.content.decode()
    assert text.index(f'data-task="{t2.pk}"') < text.index(f'data-task="{t1.pk}"')
    detail = client_for(contact, "en").get(reverse("datamap:task_detail", args=[t2.pk]))
    shown = detail.content.decode()
    person = second.requester
    # 取引先担当者名刺管理 is searched by name, kana, phone and e-mail: never the address or
    # the date of birth.
    assert person.name in shown and person.email in shown
    assert person.address not in shown
    assert person.date_of_birth.isoformat() not in shown
    assert "identity" not in shown.lower()


def test_the_contact_answers_through_the_pages(staff: Any, manager: Any, contact: Any) -> None:
    case = case_for(staff, manager, "disclosure")
    task = services.searches_send(
        case=case, actor=staff, system_ids=[system("顧客管理データベース").pk]
    )[0]
    client = client_for(contact)
    url = reverse("datamap:task_detail", args=[task.pk])
    refused = client.post(
        reverse("datamap:task_answer", args=[task.pk]),
        {
            "result": "found",
            "searched_on": timezone.localdate().isoformat(),
            "searched_how": "検索",
        },
    )
    assert refused.status_code == 400
    assert "item by item" in refused.content.decode()
    added = client.post(
        reverse("datamap:finding_add", args=[task.pk]),
        {"category": "基本情報", "item": "氏名", "content": "高橋 美咲", "location": "顧客DB"},
    )
    assert added.status_code == 302 and added["Location"] == url
    sent = client.post(
        reverse("datamap:task_answer", args=[task.pk]),
        {
            "result": "found",
            "searched_on": timezone.localdate().isoformat(),
            "searched_how": "氏名で検索",
        },
    )
    assert sent.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.ANSWERED and task.result == SearchResult.FOUND
    after = client.get(url).content.decode()
    assert 'data-form="answer"' not in after  # answered: nothing to change any more
    # Staff review it on the case.
    review = client_for(staff).get(reverse("datamap:search_review", args=[case.reference, task.pk]))
    assert "高橋 美咲" in review.content.decode()
    accepted = client_for(staff).post(
        reverse("datamap:search_accept", args=[case.reference, task.pk])
    )
    assert accepted.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.ACCEPTED
    case_page = client_for(staff).get(reverse("requests_app:case_detail", args=[case.reference]))
    assert 'data-status="accepted"' in case_page.content.decode()


def test_the_case_page_proposes_and_sends(staff: Any, manager: Any, contact: Any) -> None:
    case = case_for(staff, manager, "disclosure", relationships=("business_contact",))
    client = client_for(staff, "ja")
    page = client.get(reverse("requests_app:case_detail", args=[case.reference])).content.decode()
    assert 'data-form="send-searches"' in page
    proposed = {row["name"] for row in SYSTEMS if "business_contact" in row["relationships"]}
    for name in proposed - {"防犯カメラ映像"}:
        assert name in page
    bad = client.post(reverse("datamap:search_send", args=[case.reference]), {})
    assert bad.status_code == 400
    card = system("取引先担当者名刺管理")
    sent = client.post(
        reverse("datamap:search_send", args=[case.reference]), {"systems": [str(card.pk)]}
    )
    assert sent.status_code == 302
    assert SearchTask.objects.filter(case=case, system=card).exists()


def test_the_case_page_runs_a_fixed_number_of_queries(
    staff: Any, manager: Any, contacts: dict[str, Any]
) -> None:
    def count(case: Any) -> int:
        client = client_for(staff)
        url = reverse("requests_app:case_detail", args=[case.reference])
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    small = case_for(staff, manager, "disclosure")
    services.searches_send(case=small, actor=staff, system_ids=[system("顧客管理データベース").pk])
    large = case_for(staff, manager, "disclosure")
    tasks = services.searches_send(
        case=large,
        actor=staff,
        system_ids=[
            system(name).pk
            for name in ("顧客管理データベース", "受注・請求記録", "お問い合わせ対応記録")
        ],
    )
    for task in tasks:
        services.finding_add(
            task=task,
            actor=contacts[task.department.name],
            data=services.FindingData(category="基本情報", item="氏名", content="x", location="y"),
        )
    assert Finding.objects.count() == 3
    assert count(small) == count(large)

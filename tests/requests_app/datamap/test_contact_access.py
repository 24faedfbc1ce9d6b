"""A department contact (部門担当者) sees and changes nothing outside their own tasks.

Every route of the app is tried with that role by tests/requests_app/test_access.py (the
"contact" persona, from the URL configuration); here: another department's task is as
unknown as a missing one, and the contact's own pages show only what the task needs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from requests_app.datamap import services
from requests_app.datamap.models import DataSystem, Department, SearchTask
from requests_app.letters import services as letters
from requests_app.permissions import Role
from tests.conftest import client_for, make_user
from tests.requests_app.datamap.conftest import case_for

pytestmark = pytest.mark.django_db


def routes(resolver: URLResolver | None = None, namespace: str = "") -> Iterator[tuple[str, Any]]:
    """(namespaced name, pattern) of every named URL of the app, admin left aside."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from routes(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def url_for(name: str, pattern: URLPattern, values: dict[str, Any]) -> str:
    wanted = re.findall(r"<(?:\w+:)?(\w+)>", str(pattern.pattern))
    return reverse(name, kwargs={key: values[key] for key in wanted})


@pytest.fixture
def world(staff: Any, manager: Any, contact: Any) -> dict[str, Any]:
    """A case with a task for the contact's department and one for another department, a
    letter, a provision record: something real behind every kind of URL."""
    other = make_user("yoshiko", Role.DEPARTMENT_CONTACT, family="吉田", given="芳子")
    Department.objects.get(name="経理部").contacts.add(other)
    case = case_for(staff, manager, "disclosure", "third_party_records")
    own, foreign = services.searches_send(
        case=case,
        actor=staff,
        system_ids=[
            DataSystem.objects.get(name="顧客管理データベース").pk,
            DataSystem.objects.get(name="受注・請求記録").pk,
        ],
    )
    finding = services.finding_add(
        task=foreign,
        actor=other,
        data=services.FindingData(category="基本情報", item="氏名", content="x", location="y"),
    )
    letter = letters.letter_request(case=case, actor=staff, kind="acknowledgement")
    record = services.provision_add(
        actor=staff,
        data=services.ProvisionData(
            system_id=own.system_id,
            direction="provided",
            basis="consent",
            consent_obtained=True,
            counterpart_name="株式会社中部イベント企画",
            counterpart_address="愛知県名古屋市中村区名駅四丁目7番1号",
            counterpart_is_corporation=True,
            counterpart_representative="森 健司",
            person_name=case.requester.name,
            data_items="氏名",
            last_provision_on=case.arrival_date,
        ),
    )
    link = services.provision_link(
        item=case.items.get(kind="third_party_records"), actor=staff, record=record
    )
    item = case.items.get(kind="disclosure")
    return {
        "case": case,
        "own": own,
        "foreign": foreign,
        "values": {
            "reference": case.reference,
            "task_id": own.pk,
            "item_id": item.pk,
            "pk": letter.pk,
            "document_id": 1,
            "export_id": 1,
            "system_id": own.system_id,
            "department_id": own.department_id,
            "record_id": record.pk,
            "link_id": link.pk,
            "finding_id": finding.pk,
            "change_id": 1,
            "name": "submit_for_approval",
            "file_format": "csv",
        },
    }


def test_another_departments_task_is_as_unknown_as_a_missing_one(
    contact: Any, world: dict[str, Any]
) -> None:
    client = client_for(contact)
    foreign = world["foreign"]
    values = {**world["values"], "task_id": foreign.pk}
    for name, pattern in routes():
        if not name.startswith("datamap:") or "task_id" not in str(pattern.pattern):
            continue
        if "<str:reference>" in str(pattern.pattern):
            continue  # the staff's review pages, refused above by capability
        url = url_for(name, pattern, values)
        statuses = {getattr(client, method)(url, {}).status_code for method in ("get", "post")}
        # The method the page takes answers 404; the other one is not allowed at all.
        assert statuses in ({404}, {404, 405}), (name, statuses)
    assert SearchTask.objects.get(pk=foreign.pk).findings.count() == 1


def test_the_contacts_task_page_shows_only_what_is_needed(
    contact: Any, world: dict[str, Any]
) -> None:
    case = world["case"]
    page = client_for(contact, "ja").get(reverse("datamap:task_detail", args=[world["own"].pk]))
    text = page.content.decode()
    assert case.reference in text and case.requester.name in text
    # Not the other department's answer, the letters, the identity documents or the
    # provision register.
    for hidden in ("受注・請求記録", "letters", "/documents/", "provision-records", "株式会社中部"):
        assert hidden not in text, hidden
    nav = client_for(contact, "ja").get(reverse("datamap:task_list")).content.decode()
    for link in ("/cases/", "/datamap/", "/provision-records/", "/exports/", "/dashboard/"):
        assert f'href="{link}"' not in nav, link

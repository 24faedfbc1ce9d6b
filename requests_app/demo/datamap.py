"""The data map's demo: one department contact per department, the customer database linked
to a demo database of its own, and a case whose searches are under way.

Run by `seed_demo` at every start (the logins and the link are idempotent; the case only on
an empty database), so `make run` shows a connector search that ran by itself, answers
waiting for review and tasks waiting in each contact's list.
"""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from requests_app import services as case_services
from requests_app.datamap import services as datamap
from requests_app.datamap.choices import SearchMethod, SearchResult
from requests_app.datamap.connector import sqlite_path
from requests_app.datamap.models import DataSystem, Department, SearchTask
from requests_app.datamap.selectors import proposals
from requests_app.demo import cases as demo
from requests_app.demo import customers
from requests_app.permissions import Role

# username, password, department, family name, given name
DEMO_CONTACTS = [
    ("sales", "sales-demo-2026", "営業本部", "中村", "次郎"),
    ("marketing", "marketing-demo-2026", "マーケティング部", "小林", "花江"),
    ("finance", "finance-demo-2026", "経理部", "加藤", "守"),
    ("general", "general-demo-2026", "総務部", "吉田", "幸子"),
    ("hr", "hr-demo-2026", "人事部", "清水", "直美"),
    ("it", "it-demo-2026", "情報システム部", "木村", "武"),
]
CONNECTOR = "demo_customers"
CUSTOMER_SYSTEM = "顧客管理データベース"


def contacts() -> dict[str, Any]:
    """The demo's department contacts, (re)set like the other demo logins; by department."""
    user_model = get_user_model()
    group = Group.objects.get(name=Role.DEPARTMENT_CONTACT.value)
    found = {}
    for username, password, department_name, family, given in DEMO_CONTACTS:
        user, _created = user_model.objects.get_or_create(username=username)
        user.last_name, user.first_name = family, given
        user.email = f"{username}@cmc.example.jp"
        user.is_staff = False
        user.set_password(password)
        user.save()
        user.groups.set([group])
        department = Department.objects.filter(name=department_name).first()
        if department is not None:
            department.contacts.add(user)
            found[department_name] = user
    return found


def link_customer_database(manager: Any, *, rng: random.Random) -> str:
    """Create the demo customer database (when the connector is configured and its file is
    missing) and link the customer system to it. Returns what was done, for the log."""
    url = settings.DATAMAP_CONNECTORS.get(CONNECTOR)
    system = DataSystem.objects.filter(name=CUSTOMER_SYSTEM).first()
    if not url or system is None:
        return ""
    if urlsplit(url).scheme == "sqlite":
        path = Path(sqlite_path(url))
        if not path.exists():
            customers.create(path, count=2000, rng=rng)
    if system.search_method == SearchMethod.CONNECTOR and system.connector == CONNECTOR:
        return f"{CUSTOMER_SYSTEM} → {CONNECTOR}"
    values: dict[str, Any] = {
        name: getattr(system, name) for name in datamap.SYSTEM_FIELDS if name != "department_id"
    }
    for name in ("relationships", "search_keys", "items", "purposes"):
        values[name] = tuple(values[name])
    values.update(
        search_method=SearchMethod.CONNECTOR, connector=CONNECTOR, connector_query=customers.QUERY
    )
    datamap.system_save(
        actor=manager,
        system=system,
        data=datamap.SystemData(department_id=system.department_id, **values),
    )
    return f"{CUSTOMER_SYSTEM} → {CONNECTOR}"


def searching_case(*, staff: Any, manager: Any, by_department: dict[str, Any]) -> Any:
    """高橋 美咲 (a customer in the demo database) asks for disclosure: work has started, every
    proposed department has its task, the connector's row waits for the sales contact, and
    two departments have answered."""
    today = timezone.localdate()
    case = case_services.case_open(
        actor=staff,
        requester=case_services.RequesterData(**customers_person()),
        case_data=case_services.CaseData(
            arrival_date=today - timedelta(days=4),
            mail_type="simple_registered",
            registered_mail_number="2345-6789-0123",
            disclosure_method="paper",
        ),
        items=[case_services.ItemData(kind="disclosure", details=demo.DETAILS["disclosure"])],
    )
    case = demo.walk_to(case, "in_progress", staff=staff, manager=manager)
    chosen = [
        proposal.system.pk
        for proposal in proposals(case, [])
        if proposal.system.department.contacts.exists()
    ]
    tasks = {
        task.system.name: task
        for task in datamap.searches_send(case=case, actor=staff, system_ids=chosen)
    }
    for task in tasks.values():
        if task.connector_state:
            datamap.task_run_connector(task_id=task.pk)
    _answer(
        tasks.get("受注・請求記録"),
        by_department.get("経理部"),
        SearchResult.NOTHING_FOUND,
        "受注・請求システムを氏名、住所、電話番号で検索（該当なし）",
    )
    newsletter = tasks.get("メールマガジン・展示会来場者リスト")
    marketing = by_department.get("マーケティング部")
    if newsletter is not None and marketing is not None:
        datamap.finding_add(
            task=newsletter,
            actor=marketing,
            data=datamap.FindingData(
                category="連絡先",
                item="電子メールアドレス（メールマガジン配信先）",
                content="misaki.takahashi@example.jp（2019年6月登録、配信中）",
                location="マーケティング部・メール配信サービス",
            ),
        )
        _answer(newsletter, marketing, SearchResult.FOUND, "配信リストを電子メールアドレスで検索")
    return case


def customers_person() -> dict[str, Any]:
    known = customers.KNOWN_CUSTOMERS[0]
    return {
        "name": known.name,
        "name_kana": known.name_kana,
        "date_of_birth": known.date_of_birth,
        "postal_code": known.postal_code,
        "address": known.address,
        "phone": known.phone,
        "email": known.email,
        "relationships": ("customer",),
    }


def _answer(task: SearchTask | None, contact: Any, result: str, how: str) -> None:
    if task is None or contact is None:
        return
    datamap.task_answer(
        task=task,
        actor=contact,
        result=result,
        searched_on=timezone.localdate(),
        searched_how=how,
    )

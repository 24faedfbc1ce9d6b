"""Search tasks: sent to the departments that may hold the person, answered by their
contacts, reviewed by staff; accepted answers write the reply letters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from requests_app import services as case_services
from requests_app.audit import AuditEvent
from requests_app.business_calendar import load_calendar
from requests_app.choices import CaseState, Outcome, RequestKind
from requests_app.datamap import selectors, services
from requests_app.datamap.choices import ChangeAction, SearchResult, TaskStatus
from requests_app.datamap.models import DataSystem, SearchTask
from requests_app.demo import cases as demo
from requests_app.errors import InvalidInput, NotPermitted, TransitionBlocked
from requests_app.letters import services as letters
from requests_app.letters.kinds import LetterKind
from requests_app.models import Case, SLAPolicy
from requests_app.permissions import Role
from tests.conftest import client_for, make_user
from tests.factories import stored_files_in_place
from tests.requests_app.datamap.conftest import case_for
from tests.requests_app.letters.conftest import pdftotext, stored_bytes

pytestmark = pytest.mark.django_db


def system(name: str) -> DataSystem:
    return DataSystem.objects.get(name=name)


def send(case: Case, staff: Any, *names: str) -> dict[str, SearchTask]:
    tasks = services.searches_send(
        case=case, actor=staff, system_ids=[system(name).pk for name in names]
    )
    return {task.system.name: task for task in tasks}


def find(task: SearchTask, contact: Any, *rows: tuple[str, str, str]) -> None:
    for category, item, content in rows:
        services.finding_add(
            task=task,
            actor=contact,
            data=services.FindingData(
                category=category, item=item, content=content, location=task.system.name
            ),
        )


def answer(task: SearchTask, contact: Any, result: str, how: str = "氏名と生年月日で検索") -> None:
    services.task_answer(
        task=task,
        actor=contact,
        result=result,
        searched_on=timezone.localdate(),
        searched_how=how,
    )


def fresh(task: SearchTask) -> SearchTask:
    return SearchTask.objects.get(pk=task.pk)


# --- sending --------------------------------------------------------------------------------


def test_tasks_go_to_the_departments_contacts_due_by_the_policy(
    staff: Any, manager: Any, contacts: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    SLAPolicy.objects.filter(kind=RequestKind.DISCLOSURE).update(search_task_days=4)
    case = case_for(staff, manager, "disclosure")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        tasks = send(case, staff, "顧客管理データベース", "受注・請求記録")
    today = timezone.localdate()
    due = load_calendar().add_business_days(today, 4)
    for task in tasks.values():
        assert task.status == TaskStatus.OPEN
        assert task.due_date == due
        assert task.kinds == [RequestKind.DISCLOSURE]
    event = AuditEvent.objects.filter(case=case, action="case.search.sent").get()
    assert {entry["system"] for entry in event.payload["tasks"]} == set(tasks)
    # Each department's contact is told, in Japanese, with a link to the task; no details
    # of the person travel by e-mail.
    told = {message.to[0]: message for message in mail.outbox}
    assert set(told) == {"jiro@cmc.example.jp", "mamoru@cmc.example.jp"}
    message = told["jiro@cmc.example.jp"]
    assert case.reference in message.subject
    assert f"/tasks/{tasks['顧客管理データベース'].pk}/" in message.body
    assert case.requester.name not in message.body + message.subject


def test_sending_twice_or_to_a_department_without_contact_is_refused(
    staff: Any, manager: Any, contact: Any
) -> None:
    case = case_for(staff, manager, "disclosure")
    send(case, staff, "顧客管理データベース")
    with pytest.raises(InvalidInput) as raised:
        send(case, staff, "顧客管理データベース")
    assert "already being searched" in raised.value.details[0]
    with pytest.raises(InvalidInput) as raised:
        send(case, staff, "受注・請求記録")  # 経理部 has no contact in this test
    assert "no department contact" in raised.value.details[0]


def test_searches_start_only_once_work_has_started(staff: Any, contact: Any) -> None:
    from tests.factories import make_case

    case = make_case(actor=staff, kinds=("disclosure",), state="awaiting_identity")
    with pytest.raises(InvalidInput):
        send(case, staff, "顧客管理データベース")


def test_only_staff_send_and_review(staff: Any, manager: Any, contact: Any, auditor: Any) -> None:
    case = case_for(staff, manager, "disclosure")
    for who in (contact, auditor):
        with pytest.raises(NotPermitted):
            send(case, who, "顧客管理データベース")


# --- the full path of a disclosure ---------------------------------------------------------


def test_a_disclosure_from_verified_identity_to_the_letter_with_three_departments(
    staff: Any, manager: Any, contacts: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    """One department finds nothing, one finds the person, one is returned and answers
    again; the disclosure letter lists what was accepted, as reworded by staff."""
    case = case_for(staff, manager, "disclosure")
    assert case.state == CaseState.IN_PROGRESS
    tasks = send(
        case,
        staff,
        "顧客管理データベース",
        "受注・請求記録",
        "メールマガジン・展示会来場者リスト",
    )
    sales, finance, marketing = (
        contacts["営業本部"],
        contacts["経理部"],
        contacts["マーケティング部"],
    )

    # Finance finds nothing.
    answer(tasks["受注・請求記録"], finance, SearchResult.NOTHING_FOUND)
    # Sales finds the person.
    find(
        tasks["顧客管理データベース"],
        sales,
        ("基本情報", "氏名", "高橋 美咲"),
        ("連絡先", "住所", "〒460-0021 愛知県名古屋市中区平和1丁目1番19号"),
    )
    answer(tasks["顧客管理データベース"], sales, SearchResult.FOUND)
    # Marketing answers "nothing found", staff return it, marketing finds her after all.
    answer(tasks["メールマガジン・展示会来場者リスト"], marketing, SearchResult.NOTHING_FOUND)

    # While answers wait for review, the case cannot go for approval.
    for item in case.items.all():
        case_services.item_record_outcome(item=item, actor=staff, outcome=Outcome.DONE)
    with pytest.raises(TransitionBlocked) as blocked:
        case_services.case_submit_for_approval(case=case, actor=staff)
    assert any("waiting for review" in detail for detail in blocked.value.details)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.task_return(
            task=tasks["メールマガジン・展示会来場者リスト"],
            actor=staff,
            comment="展示会来場者リストの2025年分も確認してください。",
        )
    # The department hears that its answer came back (the assignee already heard that
    # answers arrived today).
    (back,) = [m for m in mail.outbox if m.to == ["hanae@cmc.example.jp"]]
    assert case.reference in back.subject
    assert f"/tasks/{tasks['メールマガジン・展示会来場者リスト'].pk}/" in back.body
    assert {m.to[0] for m in mail.outbox} <= {"hanae@cmc.example.jp", staff.email}
    returned = fresh(tasks["メールマガジン・展示会来場者リスト"])
    assert returned.status == TaskStatus.RETURNED
    with pytest.raises(TransitionBlocked) as blocked:
        case_services.case_submit_for_approval(case=case, actor=staff)
    assert any("waiting for its department" in detail for detail in blocked.value.details)

    find(returned, marketing, ("取引情報", "来場日", "2025年10月8日（名古屋産業技術展）"))
    answer(returned, marketing, SearchResult.FOUND, how="2025年分の来場者リストを氏名で検索")
    assert fresh(returned).round == 2

    for task in tasks.values():
        services.task_accept(task=fresh(task), actor=staff)
    item = case.items.get(kind=RequestKind.DISCLOSURE)
    rows = list(item.disclosed_records.order_by("position"))
    assert [(r.field, r.value) for r in rows] == [
        ("氏名", "高橋 美咲"),
        ("住所", "〒460-0021 愛知県名古屋市中区平和1丁目1番19号"),
        ("来場日", "2025年10月8日（名古屋産業技術展）"),
    ]
    # Staff reword a row before approval.
    letters.item_edit_disclosed_record(
        record=rows[2],
        actor=staff,
        row=letters.RecordRow("取引情報", "展示会の来場日", "2025年10月8日", "マーケティング部"),
    )

    # The reply is drafted before the decision goes for approval, and approved with it.
    with stored_files_in_place():
        drafts = demo.draft_reply_letters(case, staff=staff)
    case = case_services.case_submit_for_approval(case=case, actor=staff)
    case = letters.decision_approve(case=case, actor=manager)
    letter = next(draft for draft in drafts if draft.kind == LetterKind.DISCLOSURE)
    text = pdftotext(stored_bytes(letter))
    assert "高橋 美咲" in text
    assert "愛知県名古屋市中区平和1丁目1番19号" in text
    assert "展示会の来場日" in text
    assert "名古屋産業技術展" not in text  # the staff's wording replaced the department's
    assert "（3件" in text.replace(" ", "")

    actions = list(
        AuditEvent.objects.filter(case=case, action__startswith="case.search.").values_list(
            "action", flat=True
        )
    )
    assert actions.count("case.search.answered") == 4
    assert actions.count("case.search.accepted") == 3
    assert actions.count("case.search.returned") == 1


def test_an_answer_needs_what_was_found_and_cannot_mix_nothing_found_with_findings(
    staff: Any, manager: Any, contact: Any
) -> None:
    case = case_for(staff, manager, "disclosure")
    task = send(case, staff, "顧客管理データベース")["顧客管理データベース"]
    with pytest.raises(InvalidInput) as raised:
        answer(task, contact, SearchResult.FOUND)
    assert "item by item" in raised.value.details[0]
    find(task, contact, ("基本情報", "氏名", "高橋 美咲"))
    with pytest.raises(InvalidInput) as raised:
        answer(task, contact, SearchResult.NOTHING_FOUND)
    assert "cannot come with" in raised.value.details[0]
    with pytest.raises(InvalidInput):
        services.task_answer(
            task=task,
            actor=contact,
            result=SearchResult.FOUND,
            searched_on=timezone.localdate() + timedelta(days=1),
            searched_how="検索",
        )


def test_a_contact_answers_only_their_own_departments_tasks(
    staff: Any, manager: Any, contacts: dict[str, Any]
) -> None:
    case = case_for(staff, manager, "disclosure")
    task = send(case, staff, "受注・請求記録")["受注・請求記録"]
    with pytest.raises(NotPermitted):
        answer(task, contacts["営業本部"], SearchResult.NOTHING_FOUND)
    with pytest.raises(NotPermitted):
        answer(task, staff, SearchResult.NOTHING_FOUND)
    outsider = make_user("stranger", Role.DEPARTMENT_CONTACT, family="他", given="部署")
    with pytest.raises(NotPermitted):
        answer(task, outsider, SearchResult.NOTHING_FOUND)


def test_nothing_can_be_answered_once_the_case_is_withdrawn(
    staff: Any, manager: Any, contact: Any
) -> None:
    case = case_for(staff, manager, "disclosure")
    task = send(case, staff, "顧客管理データベース")["顧客管理データベース"]
    case_services.case_withdraw(case=case, actor=staff, reason="ご本人から取下げの連絡")
    with pytest.raises(InvalidInput):
        answer(task, contact, SearchResult.NOTHING_FOUND)


def test_a_cancelled_task_holds_nothing_back_and_can_be_sent_again(
    staff: Any, manager: Any, contact: Any
) -> None:
    case = case_for(staff, manager, "disclosure")
    task = send(case, staff, "顧客管理データベース")["顧客管理データベース"]
    services.task_cancel(task=task, actor=staff, reason="誤って送付")
    for item in case.items.all():
        case_services.item_record_outcome(item=item, actor=staff, outcome=Outcome.NOTHING_HELD)
    assert not fresh(task).waits_for_department
    again = send(case, staff, "顧客管理データベース")["顧客管理データベース"]
    assert again.pk != task.pk


# --- erasure -------------------------------------------------------------------------------


def test_an_erasure_confirmed_by_a_department_is_in_the_completion_letter(
    staff: Any, manager: Any, contacts: dict[str, Any]
) -> None:
    case = case_for(staff, manager, "discontinuation")
    tasks = send(case, staff, "メールマガジン・展示会来場者リスト", "顧客管理データベース")
    marketing, sales = contacts["マーケティング部"], contacts["営業本部"]
    newsletter = tasks["メールマガジン・展示会来場者リスト"]
    assert newsletter.kinds == [RequestKind.DISCONTINUATION]
    erased_on = timezone.localdate()
    find(newsletter, marketing, ("連絡先", "電子メールアドレス", "misaki.takahashi@example.jp"))
    # "Found" needs what was done for the erasure, or why it could not be done.
    with pytest.raises(InvalidInput) as raised:
        answer(newsletter, marketing, SearchResult.FOUND)
    assert "what was done" in raised.value.details[0]
    with pytest.raises(InvalidInput):  # a correction's action is not an erasure's
        services.change_add(
            task=newsletter,
            actor=marketing,
            data=services.ChangeData(
                kind=RequestKind.DISCONTINUATION,
                action=ChangeAction.CORRECTED,
                subject="x",
                after="y",
                done_on=erased_on,
            ),
        )
    services.change_add(
        task=newsletter,
        actor=marketing,
        data=services.ChangeData(
            kind=RequestKind.DISCONTINUATION,
            action=ChangeAction.ERASED,
            subject="メールマガジン配信先の登録情報",
            before="配信中（misaki.takahashi@example.jp）",
            after="配信を停止し、登録情報を消去",
            done_on=erased_on,
        ),
    )
    answer(newsletter, marketing, SearchResult.FOUND)
    # Sales could not erase: the customer has an open contract; staff see why.
    customer_db = tasks["顧客管理データベース"]
    find(customer_db, sales, ("基本情報", "氏名", "高橋 美咲"))
    services.change_add(
        task=customer_db,
        actor=sales,
        data=services.ChangeData(
            kind=RequestKind.DISCONTINUATION,
            action=ChangeAction.CANNOT,
            reason="保守契約が継続中で、契約の履行に必要なため消去できません。",
        ),
    )
    answer(customer_db, sales, SearchResult.FOUND)
    for task in tasks.values():
        services.task_accept(task=fresh(task), actor=staff)
    assert [r.task.system.name for r in services.cannot_reports(case)["discontinuation"]] == [
        "顧客管理データベース"
    ]
    # The case page finds the same in the tasks it has loaded, without a query.
    loaded = selectors.case_tasks(case)
    with CaptureQueriesContext(connection) as captured:
        from_tasks = services.cannot_reports(case, loaded)
    assert not captured.captured_queries
    assert {
        kind: [(r.pk, r.task.system.name, r.task.department.name) for r in reports]
        for kind, reports in from_tasks.items()
    } == {
        kind: [(r.pk, r.task.system.name, r.task.department.name) for r in reports]
        for kind, reports in services.cannot_reports(case).items()
    }

    item = case.items.get()
    (change,) = item.changes.all()
    assert change.done_on == erased_on
    assert change.source == "マーケティング部・メールマガジン・展示会来場者リスト"
    case_services.item_record_outcome(
        item=item,
        actor=staff,
        outcome=Outcome.PARTLY_DONE,
        refusal_ground="no_ground",
        reasons="保守契約の履行に必要な範囲で、顧客管理データベースの登録情報を保有しています。",
    )
    # The reply is drafted before the decision goes for approval, and approved with it.
    with stored_files_in_place():
        drafts = demo.draft_reply_letters(case, staff=staff)
    case = case_services.case_submit_for_approval(case=case, actor=staff)
    case = letters.decision_approve(case=case, actor=manager)
    letter = next(draft for draft in drafts if draft.kind == LetterKind.CESSATION_DONE)
    text = pdftotext(stored_bytes(letter)).replace(" ", "").replace("\n", "")
    assert "メールマガジン配信先の登録情報" in text
    assert "配信を停止し、登録情報を消去" in text
    assert "実施日" in text
    reiwa = erased_on.year - 2018
    assert f"令和{reiwa}年{erased_on.month}月{erased_on.day}日" in text
    assert "マーケティング部" in text


# --- a connected system ----------------------------------------------------------------------


def test_the_connector_on_the_demo_database_proposes_the_demo_customer(
    staff: Any, manager: Any, contact: Any, linked_demo: DataSystem
) -> None:
    from tests.conftest import client_for

    case = case_for(staff, manager, "disclosure")
    task = send(case, staff, "顧客管理データベース")["顧客管理データベース"]
    assert task.connector_state == "queued"
    services.task_run_connector(task_id=task.pk)
    task = fresh(task)
    assert task.connector_state == "done"
    assert "1 row" in task.connector_message
    proposed = list(task.findings.order_by("id"))
    assert {(f.category, f.item, f.content) for f in proposed} >= {
        ("基本情報", "氏名", "高橋 美咲"),
        ("連絡先", "住所", "〒460-0021 愛知県名古屋市中区平和1丁目1番19号"),
        ("取引情報", "メールマガジン", "配信中"),
    }
    assert {f.state for f in proposed} == {"proposed"}
    assert proposed[0].location.startswith("顧客管理データベース（顧客番号 ")
    # A proposed row must be decided before the answer goes.
    with pytest.raises(InvalidInput) as raised:
        answer(task, contact, SearchResult.FOUND)
    assert "Confirm or discard" in raised.value.details[0]
    client = client_for(contact, "ja")
    page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert "高橋 美咲" in page and 'data-testid="confirm-row"' in page
    response = client.post(
        f"/tasks/{task.pk}/rows/", {"row": proposed[0].row_key, "decision": "confirm"}
    )
    assert response.status_code == 302
    answer(task, contact, SearchResult.FOUND, how="コネクタで氏名・生年月日により検索")
    services.task_accept(task=fresh(task), actor=staff)
    item = case.items.get()
    assert item.disclosed_records.filter(value="高橋 美咲").exists()


def test_a_connector_that_fails_leaves_a_message_and_the_contact_answers_by_hand(
    staff: Any, manager: Any, contact: Any, linked_demo: DataSystem, tmp_path: Any
) -> None:
    from django.test import override_settings

    case = case_for(staff, manager, "disclosure")
    task = send(case, staff, "顧客管理データベース")["顧客管理データベース"]
    with override_settings(
        DATAMAP_CONNECTORS={"demo_customers": f"sqlite:///{tmp_path / 'gone.sqlite3'}"}
    ):
        services.task_run_connector(task_id=task.pk)
    task = fresh(task)
    assert task.connector_state == "failed"
    assert "could not run" in task.connector_message
    assert AuditEvent.objects.filter(case=case, action="case.search.connector_failed").exists()
    # Running it again is the department's to ask; a second worker claims nothing.
    assert services.task_run_connector(task_id=task.pk).connector_state == "failed"
    services.task_rerun_connector(task=task, actor=contact)
    assert fresh(task).connector_state == "queued"
    DataSystem.objects.filter(pk=linked_demo.pk).update(
        connector_query="SELECT pg_sleep(1) FROM customers"  # not SQLite: the query fails
    )
    services.task_run_connector(task_id=task.pk)
    assert "could not run" in fresh(task).connector_message
    find(fresh(task), contact, ("基本情報", "氏名", "高橋 美咲"))
    answer(fresh(task), contact, SearchResult.FOUND, how="顧客管理画面で手作業により検索")
    assert fresh(task).status == TaskStatus.ANSWERED


def test_a_connector_query_that_writes_is_refused_and_says_so(
    staff: Any, manager: Any, contact: Any, linked_demo: DataSystem
) -> None:
    DataSystem.objects.filter(pk=linked_demo.pk).update(
        connector_query="UPDATE customers SET newsletter = 0 RETURNING customer_id"
    )
    case = case_for(staff, manager, "disclosure")
    task = send(case, staff, "顧客管理データベース")["顧客管理データベース"]
    services.task_run_connector(task_id=task.pk)
    task = fresh(task)
    assert task.connector_state == "failed"
    assert "Nothing was changed" in task.connector_message


def test_an_item_a_department_could_not_carry_out_is_not_done_in_full(
    staff: Any, manager: Any, contact: Any
) -> None:
    case = case_for(staff, manager, "correction")
    task = send(case, staff, "顧客管理データベース")["顧客管理データベース"]
    find(task, contact, ("連絡先", "住所", "愛知県名古屋市中区栄三丁目4番5号"))
    services.change_add(
        task=task,
        actor=contact,
        data=services.ChangeData(
            kind=RequestKind.CORRECTION,
            action=ChangeAction.CANNOT,
            reason="登録住所は契約書の住所と一致しており、誤りは確認できませんでした。",
        ),
    )
    answer(task, contact, SearchResult.FOUND)
    services.task_accept(task=fresh(task), actor=staff)
    # The case page shows why, and the outcomes and grounds of a correction (issue 12's
    # rules for the kind), none of another kind's.
    page = (
        client_for(staff, "en")
        .get(reverse("requests_app:case_detail", args=[case.reference]))
        .content.decode()
    )
    box = page[page.index('data-testid="cannot-correction"') :]
    box = box[: box.index("</div>")]
    assert "誤りは確認できませんでした" in box
    assert "Not corrected, added or deleted" in box and "Art. 34(1), (2)" in box
    assert "Art. 33" not in box and "Art. 35" not in box
    item = case.items.get()
    with pytest.raises(InvalidInput) as raised:
        case_services.item_record_outcome(item=item, actor=staff, outcome=Outcome.DONE)
    assert "could not do this" in raised.value.message
    assert "誤りは確認できませんでした" in raised.value.message
    decided = case_services.item_record_outcome(
        item=item,
        actor=staff,
        outcome=Outcome.REFUSED,
        refusal_ground="accurate",
        reasons="調査の結果、登録内容が事実であることを確認しました。",
    )
    assert decided.outcome == Outcome.REFUSED


def test_a_notice_of_purpose_lists_the_purposes_of_the_systems_where_the_person_was_found(
    staff: Any, manager: Any, contacts: dict[str, Any]
) -> None:
    case = case_for(staff, manager, "purpose_notice", relationships=("customer", "investor"))
    tasks = send(case, staff, "株主名簿", "顧客管理データベース")
    find(tasks["株主名簿"], contacts["総務部"], ("基本情報", "氏名", "高橋 美咲"))
    answer(tasks["株主名簿"], contacts["総務部"], SearchResult.FOUND)
    answer(tasks["顧客管理データベース"], contacts["営業本部"], SearchResult.NOTHING_FOUND)
    for task in tasks.values():
        services.task_accept(task=fresh(task), actor=staff)
    for item in case.items.all():
        case_services.item_record_outcome(item=item, actor=staff, outcome=Outcome.DONE)
    # Drafted before the decision goes for approval, approved with it.
    with stored_files_in_place():
        letter = letters.letter_request(case=case, actor=staff, kind=LetterKind.PURPOSE_NOTICE)
        assert letter.content["purposes"] == ["investor.1"]
        letters.letter_generate(letter_id=letter.pk)
    letter.refresh_from_db()
    case = case_services.case_submit_for_approval(case=case, actor=staff)
    case = letters.decision_approve(case=case, actor=manager)
    text = pdftotext(stored_bytes(letter)).replace(" ", "").replace("\n", "")
    assert "株主及び投資家の皆様への情報の提供及び交換" in text
    # The customer database did not hold her: its purposes are not hers.
    assert "市場調査" not in text and "製品・サービスをご利用のお客様" not in text

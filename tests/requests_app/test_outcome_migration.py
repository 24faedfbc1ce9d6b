"""The migration of decisions recorded under the old single list of grounds (0010).

The database is taken back to just before it, rows are written as the old code wrote them,
and it is migrated forward again: an open case's ill-fitting item is flagged (its text kept,
an audit event written, submission blocked until decided again); a closed case is untouched
history, its stored letter never regenerated.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from requests_app import services
from requests_app.audit import AuditEvent, verify_chain
from requests_app.choices import CaseState
from requests_app.errors import TransitionBlocked
from requests_app.models import Case, Letter, RequestItem
from requests_app.outcomes import Review
from tests.conftest import client_for

BEFORE = [("requests_app", "0009_outcomes_per_kind")]
REASONS = "業務の適正な実施に著しい支障を及ぼすおそれがあるため。"


def _leaves(executor: MigrationExecutor) -> list[tuple[str, str]]:
    return executor.loader.graph.leaf_nodes()


@pytest.fixture
def old_rows(reference_data: None, staff: Any, manager: Any) -> Any:
    """Migrate back, write rows as the old code did, and migrate forward again."""
    executor = MigrationExecutor(connection)
    leaves = _leaves(executor)
    executor.migrate(BEFORE)
    try:
        apps = executor.loader.project_state(BEFORE).apps
        rows = _write_old_rows(apps, staff.pk, manager.pk)
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)
    except BaseException:
        MigrationExecutor(connection).migrate(leaves)
        raise
    return rows


def _write_old_rows(apps: Any, staff_id: int, manager_id: int) -> dict[str, Any]:
    requester_model = apps.get_model("requests_app", "Requester")
    case_model = apps.get_model("requests_app", "Case")
    item_model = apps.get_model("requests_app", "RequestItem")
    letter_model = apps.get_model("requests_app", "Letter")
    today = timezone.localdate()

    def case(number: int, state: str) -> Any:
        person = requester_model.objects.create(
            name="高橋 美咲",
            name_kana="タカハシ ミサキ",
            date_of_birth=date(1988, 4, 12),
            postal_code="460-0021",
            address="愛知県名古屋市中区平和1丁目1番19号",
        )
        return case_model.objects.create(
            reference=f"2026-90000{number}",
            requester=person,
            state=state,
            arrival_date=today - timedelta(days=5),
            due_date=today + timedelta(days=9),
            created_by_id=staff_id,
        )

    def item(of: Any, kind: str, outcome: str, ground: str = "") -> Any:
        return item_model.objects.create(
            case=of,
            kind=kind,
            outcome=outcome,
            refusal_ground=ground,
            reasons=REASONS if ground else "",
            decided_at=timezone.now(),
        )

    open_case = case(1, "in_progress")
    # The mistake: a correction refused for "significant impediment to the business".
    wrong = item(open_case, "correction", "refused", "business")
    fitting = item(open_case, "disclosure", "refused", "business")  # Art. 33(2)(ii): fits
    approved = case(2, "approved")
    approved_wrong = item(approved, "discontinuation", "partly_done", "harm")
    closed = case(3, "closed")
    history = item(closed, "correction", "refused", "business")
    pdf = b"%PDF-1.7 the refusal letter as it was mailed"
    name = default_storage.save("letters/2026/old-refusal.pdf", ContentFile(pdf))
    letter = letter_model.objects.create(
        case=closed,
        number="2026-900003-01",
        kind="refusal",
        language="ja",
        version=1,
        letter_date=today - timedelta(days=2),
        content={"items": [{"kind": "correction", "ground": "business"}]},
        status="ready",
        file=name,
        sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
        page_count=1,
        requested_by_id=staff_id,
        approved_by_id=manager_id,
        approved_at=timezone.now(),
        mail_method="simple_registered",
        tracking_number="1234-5678-9012",
        sent_on=today - timedelta(days=1),
    )
    return {
        "open": open_case.pk,
        "wrong": wrong.pk,
        "fitting": fitting.pk,
        "approved": approved.pk,
        "approved_wrong": approved_wrong.pk,
        "closed": closed.pk,
        "history": history.pk,
        "letter": letter.pk,
        "pdf": pdf,
    }


@pytest.mark.django_db(transaction=True)
def test_an_open_item_is_flagged_and_a_closed_case_is_history(
    old_rows: dict[str, Any], staff: Any, manager: Any
) -> None:
    wrong = RequestItem.objects.get(pk=old_rows["wrong"])
    # Kept as it was recorded, never silently relabelled; flagged for staff.
    assert (wrong.outcome, wrong.refusal_ground, wrong.reasons) == ("refused", "business", REASONS)
    assert wrong.review == Review.REDECIDE
    # The old disclosure grounds are the disclosure kinds' Art. 33(2) grounds.
    fitting = RequestItem.objects.get(pk=old_rows["fitting"])
    assert fitting.review == Review.FITS and fitting.ground_article == "Art. 33(2)(ii)"
    assert RequestItem.objects.get(pk=old_rows["approved_wrong"]).review == Review.REDECIDE
    # The closed case: its decision stays as history; its letter is the one that was mailed.
    history = RequestItem.objects.get(pk=old_rows["history"])
    assert (history.outcome, history.refusal_ground, history.reasons) == (
        "refused",
        "business",
        REASONS,
    )
    assert history.review == Review.HISTORY
    assert Letter.objects.filter(case_id=old_rows["closed"]).count() == 1
    letter = Letter.objects.get(pk=old_rows["letter"])
    with default_storage.open(letter.file.name, "rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == letter.sha256
    assert letter.sha256 == hashlib.sha256(old_rows["pdf"]).hexdigest()
    assert not AuditEvent.objects.filter(case_id=old_rows["closed"]).exists()
    # Each flag is an audit event on its case, in the chain.
    flagged = AuditEvent.objects.filter(action="case.item.review_flagged").order_by("seq")
    assert [(event.case_id, event.payload["kind"]) for event in flagged] == [
        (old_rows["open"], "correction"),
        (old_rows["approved"], "discontinuation"),
    ]
    assert flagged[0].payload["refusal_ground"] == "business"
    assert verify_chain() is None

    # The case page shows the flag; submission waits until the item is decided again.
    open_case = Case.objects.get(pk=old_rows["open"])
    url = reverse("requests_app:case_detail", args=[open_case.reference])
    html = client_for(staff).get(url).content.decode()
    assert f'data-testid="redecide-{wrong.pk}"' in html
    with pytest.raises(TransitionBlocked) as blocked:
        services.case_submit_for_approval(case=open_case, actor=staff)
    assert (
        "“Correction, addition or deletion (Art. 34)” must be decided again"
        in (blocked.value.details[0])
    )
    services.item_record_outcome(
        item=wrong,
        actor=staff,
        outcome="refused",
        refusal_ground="accurate",
        reasons="登録内容を確認し、事実であることを確認しました。",
    )
    wrong.refresh_from_db()
    assert wrong.review == Review.FITS
    assert services.case_submit_for_approval(case=open_case, actor=staff).state == (
        CaseState.AWAITING_APPROVAL
    )
    # An approved decision whose letter has not gone out goes back to staff.
    approved = Case.objects.get(pk=old_rows["approved"])
    assert services.case_return_for_rework(
        case=approved, actor=manager, reason="利用停止の根拠を決定し直してください。"
    ).state == (CaseState.IN_PROGRESS)
    closed_page = client_for(staff).get(
        reverse(
            "requests_app:case_detail", args=[Case.objects.get(pk=old_rows["closed"]).reference]
        )
    )
    assert f'data-testid="history-{history.pk}"' in closed_page.content.decode()

"""The case page (issue 15): folding sections with counts, names in the timeline, the fee's
date, and form errors that point to their field."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from identity.forms import ReceivedDocumentForm
from identity.selectors import active_types
from requests_app.choices import CaseState
from requests_app.forms import AssignForm
from requests_app.selectors import workers
from tests.conftest import client_for
from tests.factories import make_case

pytestmark = pytest.mark.django_db


def page(user: Any, reference: str) -> str:
    return (
        client_for(user).get(reverse("requests_app:case_detail", args=[reference])).content.decode()
    )


def fold(html: str, section: str) -> tuple[bool, int]:
    """Whether a section starts open, and the count in its heading."""
    opening = rf'id="{section}"[^>]*>\s*<details class="fold"( open)?>'
    found = re.search(rf'{opening}.*?data-testid="count-{section}">(\d+)<', html, re.S)
    assert found is not None, section
    return bool(found.group(1)), int(found.group(2))


def test_sections_fold_open_for_the_work_of_the_moment(staff: Any, manager: Any) -> None:
    checking = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    html = page(staff, checking.reference)
    assert fold(html, "identity") == (True, 0)
    assert fold(html, "items")[0] is True
    timeline_open, events = fold(html, "timeline")
    assert timeline_open is False and events == 2  # opened, identity check started
    assert fold(html, "notes") == (False, 0)
    working = make_case(actor=staff, manager=manager, state=CaseState.IN_PROGRESS)
    html = page(staff, working.reference)
    assert fold(html, "identity") == (False, 2)  # verified: folded, two documents
    assert fold(html, "letters")[0] is True
    # The next steps stay at the top, never folded.
    assert html.index('id="actions"') < html.index('id="items"') < html.index('id="timeline"')


def test_the_timeline_names_people_not_login_ids(staff: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    html = page(staff, case.reference)
    timeline = html[html.index('<ol class="timeline">') :]
    assert '<span class="actor">山田 花子</span>' in timeline
    assert '<span class="actor">hanako</span>' not in timeline


def test_the_fee_is_received_today_unless_said_otherwise(staff: Any, manager: Any) -> None:
    case = make_case(actor=staff, manager=manager, state=CaseState.IDENTITY_VERIFIED)
    assert case.fee_due > 0
    html = page(staff, case.reference)
    field = re.search(r'<input[^>]*name="received_on"[^>]*>', html)
    assert field is not None and f'value="{timezone.localdate().isoformat()}"' in field.group(0)


def test_a_form_error_points_to_its_field(staff: Any, manager: Any) -> None:
    case = make_case(actor=staff, manager=manager, state=CaseState.IN_PROGRESS)
    item = case.items.get()
    response = client_for(staff).post(
        reverse("requests_app:item_records_add", args=[case.reference, item.pk]),
        {f"records{item.pk}-rows": "区分だけ"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    field_id = f"id_records{item.pk}-rows"
    textarea = re.search(rf'<textarea[^>]*id="{field_id}"[^>]*>', html)
    assert textarea is not None
    assert 'aria-invalid="true"' in textarea.group(0)
    assert f"{field_id}_error" in textarea.group(0)  # aria-describedby names the message
    assert f'id="{field_id}_error"' in html and "Line 1: give category, item and content" in html


def test_forms_offered_what_the_page_read_draw_as_from_their_query(
    staff: Any, manager: Any
) -> None:
    """The case page hands its forms the people and document types it has read; the forms
    draw exactly what their own queries would, without a query as they are drawn."""
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    people, types = list(workers()), active_types()
    assert people and types
    pairs = [
        (
            AssignForm(initial={"assignee": staff.pk}, people=people),
            AssignForm(initial={"assignee": staff.pk}),
        ),
        (
            ReceivedDocumentForm(case=case, user=staff, people=people, document_types=types),
            ReceivedDocumentForm(case=case, user=staff, people=people),
        ),
    ]
    for offered, queried in pairs:
        with CaptureQueriesContext(connection) as captured:
            drawn = str(offered)
        assert not captured.captured_queries
        assert drawn == str(queried)

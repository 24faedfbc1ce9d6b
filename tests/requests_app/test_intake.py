"""Opening a case from the intake form, and everything a tired person might type into it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from requests_app.audit import AuditEvent
from requests_app.business_calendar import load_calendar
from requests_app.models import Case, Requester
from tests.clock import office_time
from tests.conftest import client_for
from tests.factories import RequesterDataFactory, make_case

pytestmark = pytest.mark.django_db

URL = "/cases/new/"


def valid_post(**overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    data = {
        "name": "髙橋 美咲",
        "name_kana": "たかはし みさき",
        "date_of_birth": "1988-04-12",
        "postal_code": "４６０－００２１",
        "address": "愛知県名古屋市中区平和1丁目1番19号",
        "phone": "052-322-3355",
        "email": "misaki@example.jp",
        "relationships": ["customer"],
        "arrival_date": today.isoformat(),
        "postmark_date": (today - timedelta(days=1)).isoformat(),
        "mail_type": "simple_registered",
        "registered_mail_number": "1234-5678-9012",
        "disclosure_method": "paper",
        "agent_kind": "",
        "kind_disclosure": "on",
        "details_disclosure": "展示会で登録した情報の開示",
        "kind_complaint": "on",
        "details_complaint": "案内メールが止まりません",
    }
    data.update(overrides)
    return data


@pytest.fixture
def client(staff: Any) -> Client:
    return client_for(staff)


def test_staff_open_a_case_and_land_on_it(client: Client, staff: Any) -> None:
    response = client.post(URL, valid_post())
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("requests_app:case_detail", args=[case.reference])
    year = timezone.localdate().year
    assert case.reference == f"{year}-000001"
    assert case.requester.name_kana == "タカハシ ミサキ"  # hiragana stored as katakana
    assert case.requester.postal_code == "460-0021"  # full-width normalised
    assert sorted(case.items.values_list("kind", flat=True)) == ["complaint", "disclosure"]
    assert case.fee_due == 1000
    assert case.assignee == staff
    # Disclosure: 14 calendar days (on a working day); complaint: 10 business days.
    calendar = load_calendar()
    assert case.due_date == min(
        calendar.previous_working_day(case.arrival_date + timedelta(days=14)),
        calendar.add_business_days(case.arrival_date, 10),
    )
    opened = AuditEvent.objects.get(case=case)
    assert opened.action == "case.opened" and opened.actor == staff
    page = client.get(response["Location"])
    assert "髙橋 美咲" in page.content.decode()


BAD_INPUTS = [
    ({"name": ""}, "name", "required"),
    ({"name": "山" * 10_000}, "name", "100"),
    ({"name": "<script>alert(1)</script>"}, "name", "name may contain only"),
    ({"name": "山田\u200b花子"}, "name", "invisible"),
    ({"name": "山田\x07花子"}, "name", "control characters"),
    ({"name": "山田 花子😀"}, "name", "name may contain only"),
    ({"name_kana": "Yamada"}, "name_kana", "kana only"),
    ({"postal_code": "460-002"}, "postal_code", "seven digits"),
    ({"arrival_date": "2099-01-01"}, "arrival_date", "future"),
    ({"postmark_date": "2099-01-01"}, "postmark_date", "later than the arrival"),
    ({"date_of_birth": "2099-01-01"}, "date_of_birth", "future"),
    ({"date_of_birth": "2026-02-30"}, "date_of_birth", "valid date"),
    ({"email": "not-an-address"}, "email", "valid email"),
    ({"agent_kind": "appointed_agent"}, "agent_name", "agent makes the request"),
    ({"kind_disclosure": "", "kind_complaint": ""}, None, "at least one kind"),
    ({"disclosure_method": ""}, "disclosure_method", "paper if they did not say"),
    ({"details_complaint": "abc\x00def"}, "details_complaint", "null characters"),
    ({"details_complaint": "abc\x1bdef"}, "details_complaint", "control characters"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_INPUTS)
def test_bad_input_is_refused_field_by_field_and_nothing_is_saved(
    client: Client, change: dict[str, Any], field: str | None, message: str
) -> None:
    response = client.post(URL, valid_post(**change))
    assert response.status_code == 400
    form = response.context["form"]
    errors = form.errors.get(field or "__all__", [])
    assert any(message.lower() in str(error).lower() for error in errors), form.errors
    assert "Nothing was saved" in response.content.decode()
    assert Case.objects.count() == 0 and Requester.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_errors_are_in_japanese_by_default(staff: Any) -> None:
    client = Client()
    client.force_login(staff)
    response = client.post(URL, valid_post(postal_code="123"), HTTP_ACCEPT_LANGUAGE="en-US")
    assert "7桁" in response.content.decode()


def test_html_in_free_text_is_shown_as_text(client: Client) -> None:
    hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    response = client.post(URL, valid_post(address=hostile, details_disclosure=hostile, email=""))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "<script>alert(2)</script>" not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "<img src=x" not in page


def test_emoji_are_kept_in_details(client: Client) -> None:
    response = client.post(URL, valid_post(details_complaint="困っています🙏👨‍👩‍👧"))
    assert response.status_code == 302
    assert Case.objects.get().items.get(kind="complaint").details == "困っています🙏👨‍👩‍👧"


def test_agent_details_are_required_and_kept(client: Client) -> None:
    response = client.post(
        URL,
        valid_post(
            agent_kind="appointed_agent",
            agent_name="中村 直樹",
            agent_name_kana="ナカムラ ナオキ",
            agent_postal_code="4640819",
            agent_address="愛知県名古屋市千種区四谷通2丁目1番",
        ),
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.reply_name == "中村 直樹" and case.reply_postal_code == "464-0819"


def test_japanese_by_default_and_english_one_click_away(staff: Any) -> None:
    client = Client()
    client.force_login(staff)
    # Japanese whatever the browser announces.
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "<h1>案件を登録</h1>" in response.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": URL})
    assert "<h1>Open a case</h1>" in client.get(URL).content.decode()


# --- possible duplicates at intake (issue 15) ---------------------------------------------


def test_a_person_who_wrote_before_is_shown_before_anything_is_saved(
    client: Client, staff: Any
) -> None:
    earlier = make_case(
        actor=staff,
        requester=RequesterDataFactory(name="髙橋 美咲", date_of_birth=date(1988, 4, 12)),
    )
    # The same person typed differently: a full-width space and the common form of 髙.
    response = client.post(URL, valid_post(name="高橋　美咲"))
    assert response.status_code == 200
    assert Case.objects.count() == 1  # nothing saved yet
    html = response.content.decode()
    assert 'data-testid="duplicates"' in html and earlier.reference in html
    # Staff link the new letter to the earlier case as a repeat request.
    response = client.post(
        URL, valid_post(name="高橋　美咲", duplicates_checked="on", repeat_of=earlier.reference)
    )
    assert response.status_code == 302
    new = Case.objects.exclude(pk=earlier.pk).get()
    assert new.repeat_of == earlier
    opened = AuditEvent.objects.get(case=new, action="case.opened")
    assert opened.payload["repeat_of"] == earlier.reference
    new_page = client.get(reverse("requests_app:case_detail", args=[new.reference])).content
    old_page = client.get(reverse("requests_app:case_detail", args=[earlier.reference])).content
    assert f">{earlier.reference}</a>" in new_page.decode().split('data-testid="repeat-of"')[1]
    assert f">{new.reference}</a>" in old_page.decode().split('data-testid="repeats"')[1]


def test_none_of_these_opens_a_new_request(client: Client, staff: Any) -> None:
    make_case(actor=staff, requester=RequesterDataFactory())
    response = client.post(URL, valid_post(duplicates_checked="on", repeat_of=""))
    assert response.status_code == 302
    assert Case.objects.filter(repeat_of__isnull=False).count() == 0
    assert Case.objects.count() == 2


def test_name_and_address_match_without_the_date_of_birth(client: Client, staff: Any) -> None:
    earlier = make_case(
        actor=staff,
        requester=RequesterDataFactory(
            date_of_birth=date(1990, 1, 1), address="愛知県名古屋市中区平和一丁目1-19"
        ),
    )
    html = client.post(URL, valid_post()).content.decode()
    assert earlier.reference in html and 'data-testid="duplicates"' in html


def test_other_people_and_old_closed_cases_are_not_duplicates(
    client: Client, staff: Any, manager: Any
) -> None:
    make_case(actor=staff, requester=RequesterDataFactory(name="高橋 美穂"))  # another person
    with office_time(timezone.localdate() - timedelta(days=400)):
        make_case(
            actor=staff,
            manager=manager,
            kinds=("complaint",),
            state="closed",
            arrival_date=timezone.localdate() - timedelta(days=1),
        )
    response = client.post(URL, valid_post())
    assert response.status_code == 302  # opened at once: nothing to show


def test_a_repeat_of_a_case_not_shown_is_refused(client: Client, staff: Any) -> None:
    make_case(actor=staff, requester=RequesterDataFactory())
    stranger = make_case(actor=staff, requester=RequesterDataFactory(name="伊藤 健"))
    response = client.post(URL, valid_post(duplicates_checked="on", repeat_of=stranger.reference))
    assert response.status_code == 400
    assert "Choose one of the earlier cases shown" in response.content.decode()
    assert Case.objects.count() == 2

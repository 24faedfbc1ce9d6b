"""Search as Japanese staff type it: one normalised search text per case (issue 15)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from requests_app import services
from requests_app.letters import services as letter_services
from requests_app.models import Case, ReferenceCounter
from requests_app.search import Term
from tests.conftest import client_for
from tests.factories import RequesterDataFactory, make_case
from tests.requests_app.letters.conftest import generate

pytestmark = pytest.mark.django_db

YAMADA = RequesterDataFactory(
    name="山田 太郎",
    name_kana="ヤマダ タロウ",
    date_of_birth=date(1975, 6, 1),
    postal_code="460-0021",
    address="愛知県名古屋市中区平和１丁目１番１９号 平和ハイツ２０３",
    phone="052-987-6543",
    email="Taro.Yamada@example.jp",
)


def found(user: Any, term: str) -> list[str]:
    """The references the header's search box finds (every state, as it searches)."""
    response = client_for(user).get(reverse("requests_app:case_list"), {"q": term, "state": "all"})
    assert response.status_code == 200
    return [case.reference for case in response.context["rows"]]


@pytest.fixture
def yamada(staff: Any) -> Case:
    # Another Yamada, elsewhere: a search must tell them apart.
    make_case(
        actor=staff,
        requester=RequesterDataFactory(
            name="山田 花子",
            name_kana="ヤマダ ハナコ",
            postal_code="464-0850",
            address="愛知県名古屋市千種区今池5丁目2番3号",
            phone="052-111-2222",
            email="hanako@example.jp",
        ),
        registered_mail_number="",
    )
    return make_case(actor=staff, requester=YAMADA, registered_mail_number="9876-5432-1098")


@pytest.mark.parametrize(
    "typed",
    [
        "山田　太郎",  # a full-width space, as a Japanese keyboard types it
        "山田 太郎",
        "山田太郎",
        "ヤマダタロウ",
        "ヤマダ　タロウ",
        "やまだ たろう",
        "やまだたろう",
        "ﾔﾏﾀﾞ ﾀﾛｳ",  # half-width katakana
        "052-987-6543",
        "0529876543",
        "０５２－９８７－６５４３",
        "460-0021",
        "4600021",
        "9876-5432-1098",  # the registered-mail number of the envelope
        "987654321098",
        "平和1丁目1番19号",
        "平和1-1-19",
        "平和ハイツ",
        "taro.yamada@example.jp",
    ],
)
def test_every_way_of_typing_finds_the_person(staff: Any, yamada: Case, typed: str) -> None:
    assert found(staff, typed) == [yamada.reference]


def test_variant_kanji_find_each_other(staff: Any) -> None:
    case = make_case(actor=staff, requester=RequesterDataFactory(name="髙橋 一郎"))
    assert found(staff, "高橋一郎") == [case.reference]
    other = make_case(actor=staff, requester=RequesterDataFactory(name="渡邊 光"))
    assert found(staff, "渡辺") == [other.reference]


def test_references_are_matched_on_their_number(staff: Any) -> None:
    def case_numbered(year: int, number: int) -> Case:
        ReferenceCounter.objects.update_or_create(year=year, defaults={"last_number": number - 1})
        return make_case(actor=staff, arrival_date=date(year, 11, 2))

    this_year = case_numbered(2026, 55)
    last_year = case_numbered(2025, 55)
    similar = case_numbered(2026, 155)
    assert this_year.reference == "2026-000055" and last_year.reference == "2025-000055"
    assert sorted(found(staff, "55")) == sorted([this_year.reference, last_year.reference])
    assert sorted(found(staff, "000055")) == sorted([this_year.reference, last_year.reference])
    assert found(staff, "2026-55") == [this_year.reference]
    assert found(staff, "2026-000055") == [this_year.reference]
    assert found(staff, "155") == [similar.reference]


def test_a_tracking_number_finds_the_case_once_the_letter_is_mailed(
    staff: Any, manager: Any
) -> None:
    case = make_case(actor=staff, kinds=("complaint",), state="awaiting_identity")
    letter = generate(
        letter_services.letter_request(case=case, actor=staff, kind="acknowledgement")
    )
    assert found(staff, "EJ123456789JP") == []
    letter_services.letter_record_mailing(
        letter=letter,
        actor=staff,
        method="simple_registered",
        tracking_number="EJ 1234 5678 9JP",
        sent_on=letter.letter_date,
    )
    assert found(staff, "EJ123456789JP") == [case.reference]
    assert found(staff, "ej123456789jp") == [case.reference]


def test_the_search_text_follows_corrected_details(staff: Any, yamada: Case) -> None:
    changed = RequesterDataFactory(**{**YAMADA.__dict__, "phone": "090-1111-2222"})
    services.case_update_details(
        case=yamada,
        actor=staff,
        requester=changed,
        case_data=services.CaseData(
            arrival_date=yamada.arrival_date,
            postmark_date=yamada.postmark_date,
            mail_type=yamada.mail_type,
            registered_mail_number=yamada.registered_mail_number,
            disclosure_method=yamada.disclosure_method,
        ),
    )
    assert found(staff, "09011112222") == [yamada.reference]
    assert found(staff, "0529876543") == []


def test_results_say_why_they_matched(staff: Any, yamada: Case) -> None:
    client = client_for(staff)
    url = reverse("requests_app:case_list")
    page = client.get(url, {"q": "0529876543", "state": "all"}).content.decode()
    assert "Matched on: Telephone" in page
    page = client.get(url, {"q": "やまだ", "state": "all"}).content.decode()
    assert "Matched on: Reading" in page
    page = client.get(url, {"q": yamada.reference.split("-")[1], "state": "all"}).content.decode()
    assert "Matched on: Reference number" in page


def test_the_search_box_is_in_the_header_of_every_page(staff: Any, yamada: Case) -> None:
    client = client_for(staff)
    for url in (
        reverse("requests_app:home"),
        reverse("requests_app:case_detail", args=[yamada.reference]),
        reverse("requests_app:letter_batches"),
    ):
        html = client.get(url).content.decode()
        assert 'data-testid="topsearch"' in html and 'name="state" value="all"' in html, url


def test_short_terms_and_numbers_are_read_as_intended() -> None:
    assert Term.parse("55").keys == () and Term.parse("55").reference is not None
    assert Term.parse("1-1-19").keys == ("1-1-19",)  # an address piece, not a reference
    assert Term.parse("山田").keys == ("山田",)
    assert Term.parse("０５２ー９８７ー６５４３").keys == ("0529876543",)


def test_postgresql_indexes_the_search_text_by_trigrams(staff: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the trigram index is PostgreSQL's; SQLite scans the same column")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'case_search_trgm'")
        (definition,) = cursor.fetchone()
    assert "gin" in definition and "gin_trgm_ops" in definition

"""The PDFs themselves, read back with pypdf and poppler: text, layout, fonts, PDF/A, safety."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from requests_app.choices import CaseState, Outcome
from requests_app.errors import InvalidInput
from requests_app.letters import pdf, services
from requests_app.letters.dates import english_date, japanese_era_date
from requests_app.letters.render import letter_html, render_letter
from requests_app.letters.services import RecordRow
from requests_app.models import Letter
from tests.factories import RequesterDataFactory, make_case
from tests.requests_app.letters.conftest import (
    embedded_fonts,
    generate,
    media_files,
    pdftotext,
    reader,
    stored_bytes,
    words_with_boxes,
)

pytestmark = pytest.mark.django_db

HOSTILE = '<img src="file:///etc/passwd">'


def no_images(data: bytes) -> bool:
    return all(not page["/Resources"].get("/XObject") for page in reader(data).pages)


def ask(case: Any, actor: Any, kind: str, language: str = "ja", **kwargs: Any) -> Letter:
    return generate(
        services.letter_request(case=case, actor=actor, kind=kind, language=language, **kwargs)
    )


def test_japanese_acknowledgement_reads_back(staff: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    letter = ask(case, staff, "acknowledgement")
    data = stored_bytes(letter)
    text = pdftotext(data)
    today = timezone.localdate()
    assert "高橋 美咲 様" in text
    assert japanese_era_date(today) in text  # e.g. 令和8年11月28日
    assert japanese_era_date(case.arrival_date) in text
    assert case.reference in text and letter.number in text
    assert "拝啓" in text and "敬具" in text
    assert "開示等のご請求の受付について" in text
    assert "株式会社シーエムシー" in text and "052-322-3355" in text
    assert "privacy@cmc.co.jp" in text and "愛知県名古屋市中区平和一丁目1番19号" in text
    assert "開示（法第33条）" in text and "1,000円" in text
    assert len(reader(data).pages) == letter.page_count == 1
    assert "1 / 1 ページ" in text


def test_english_deficiency_lists_exactly_what_is_missing(staff: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    letter = ask(case, staff, "deficiency", language="en")
    text = " ".join(pdftotext(stored_bytes(letter)).split())
    # Addressed politely: the name with 様, as it is written in Japan (no title given).
    assert "Dear 高橋 美咲 様," in text
    assert english_date(timezone.localdate()) in text  # e.g. 28 November 2026
    assert (
        "Copies of two of your identity documents of different types, at least one of them "
        "showing your current address" in text
    )
    assert "The rest of the fee, ¥1,000" in text
    assert f"reference {case.reference}" in text
    assert "Page 1 of " in text


def test_japanese_deficiency_lists_missing_documents_and_the_fee_shortfall(staff: Any) -> None:
    from tests.identity.factories import log_document

    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    log_document(case, staff, "passport")
    services_fee(case, staff, 600)
    letter = ask(case, staff, "deficiency")
    content_missing = letter.content["missing"]
    assert content_missing, "the identity rules say what is missing"
    text = pdftotext(stored_bytes(letter))
    flat = "".join(text.split())
    for sentence in content_missing:
        assert "".join(sentence.split()) in flat
    assert "手数料の不足分400円" in flat and "既に600円を受領" in flat
    assert "ご提出書類等のお願い" in text


def services_fee(case: Any, staff: Any, amount: int) -> None:
    from requests_app import services as case_services

    case_services.fee_record_payment(
        case=case,
        actor=staff,
        form="stamps",
        amount_yen=amount,
        serial_number="",
        received_on=case.arrival_date,
    )


def test_the_address_shows_through_the_window_of_a_naga3_envelope(staff: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    letter = ask(case, staff, "acknowledgement")
    boxes = words_with_boxes(stored_bytes(letter))
    window = (22.0, 18.0, 112.0, 63.0)  # x from the left edge, y from the top edge, in mm
    for expected in ("〒460-0021", "美咲"):
        found = [box for box in boxes if expected in box[0]]
        assert found, expected
        _word, x1, y1, x2, y2 = found[0]
        assert window[0] <= x1 and x2 <= window[2] and window[1] <= y1 and y2 <= window[3], found


def test_fonts_are_embedded_ipaex_and_a_latin_face_for_english(staff: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    fonts_of = {}
    for language in ("ja", "en"):
        data = stored_bytes(ask(case, staff, "acknowledgement", language=language))
        fonts = embedded_fonts(data)
        assert fonts, "no font at all"
        assert all(embedded for embedded in fonts.values()), fonts
        fonts_of[language] = set(fonts)
    assert fonts_of["ja"] <= {"IPAexMincho", "IPAexGothic"}
    # English letters set Latin text in a Latin face; the Japanese in them (the window,
    # 様) stays in IPAex.
    assert "DejaVu-Serif" in fonts_of["en"]
    assert fonts_of["en"] <= {"IPAexMincho", "IPAexGothic", "DejaVu-Serif", "DejaVu-Sans"}


def test_pdfa_metadata_title_and_case_reference(staff: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    letter = ask(case, staff, "acknowledgement")
    document = reader(stored_bytes(letter))
    info = document.metadata
    assert info is not None
    assert info.title == "開示等のご請求の受付について"
    assert case.reference in (info.subject or "") and case.reference in str(info["/Keywords"])
    xmp = document.xmp_metadata
    assert xmp is not None
    raw = xmp.stream.get_data().decode()
    assert 'pdfaid:part="3"' in raw and 'pdfaid:conformance="U"' in raw
    assert "開示等のご請求の受付について" in raw
    assert "/OutputIntents" in document.root_object
    assert document.pdf_header == "%PDF-1.7"


def test_a_hostile_name_is_printed_as_text_and_fetches_nothing(staff: Any) -> None:
    case = make_case(
        actor=staff,
        state=CaseState.AWAITING_IDENTITY,
        requester=RequesterDataFactory(name=HOSTILE),
    )
    letter = services.letter_request(case=case, actor=staff, kind="acknowledgement")
    html = letter_html(letter)
    assert HOSTILE not in html and "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    fetcher = pdf.StaticOnlyFetcher()
    data = render_letter(letter, fetcher=fetcher)
    assert HOSTILE in pdftotext(data)
    assert fetcher.refused == []  # the name never became markup, so nothing was even asked for
    assert no_images(data)


def test_markup_that_slipped_through_still_fetches_nothing_outside_static() -> None:
    fetcher = pdf.StaticOnlyFetcher()
    html = (
        '<html><head><link rel="stylesheet" href="letters/letter.css">'
        '<link rel="stylesheet" href="http://127.0.0.1:9/evil.css"></head><body>'
        '<img src="file:///etc/passwd"><img src="http://127.0.0.1:9/x.png">'
        '<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAA'
        'DUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==">'
        '<img src="../../config/settings.py"><p>本文</p></body></html>'
    )
    data = pdf.html_to_pdf(html, fetcher=fetcher)
    assert "本文" in pdftotext(data)
    refused = set(fetcher.refused)
    assert "file:///etc/passwd" in refused
    assert "http://127.0.0.1:9/evil.css" in refused and "http://127.0.0.1:9/x.png" in refused
    assert any(url.startswith("data:image/png") for url in refused)
    assert any(url.endswith("config/settings.py") for url in refused)
    assert no_images(data)
    # The same check sees an image when one is really fetched (the app's own favicon).
    allowed = pdf.html_to_pdf('<html><body><img src="favicon.svg"></body></html>')
    assert not no_images(allowed)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://evil.example/share/x.css",
        "http://example.com/a.css",
        "https://example.com/a.css",
        "ftp://example.com/a.css",
        "data:text/css,body{}",
        "javascript:alert(1)",
        "STATIC/../../config/settings.py",
        "STATIC/letters/missing.css",
    ],
)
def test_the_fetcher_refuses_everything_but_the_apps_static_files(url: str) -> None:
    root = pdf.static_root()
    url = url.replace("STATIC", root.as_uri())
    fetcher = pdf.StaticOnlyFetcher()
    with pytest.raises(pdf.FetchRefused):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_the_fetcher_serves_the_letter_stylesheet() -> None:
    fetcher = pdf.StaticOnlyFetcher()
    response = fetcher.fetch(pdf.base_url() + "letters/letter.css")
    assert b"@page" in response.read() and response.content_type == "text/css"


def test_rendering_is_pure(staff: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    letter = services.letter_request(case=case, actor=staff, kind="deficiency")
    letter = Letter.objects.get(pk=letter.pk)
    files_before = media_files()
    with CaptureQueriesContext(connection) as queries:
        first = render_letter(letter)
        second = render_letter(letter)
    assert len(queries) == 0
    assert media_files() == files_before
    letter.refresh_from_db()
    assert letter.status == "pending" and not letter.file
    assert pdftotext(first) == pdftotext(second)


def test_a_character_the_font_cannot_print_is_refused_before_rendering(staff: Any) -> None:
    case = make_case(
        actor=staff,
        state=CaseState.AWAITING_IDENTITY,
        requester=RequesterDataFactory(name="𠮷田 花子"),
    )
    with pytest.raises(InvalidInput) as refused:
        services.letter_request(case=case, actor=staff, kind="acknowledgement")
    assert "U+20BB7" in refused.value.message
    assert not Letter.objects.filter(case=case).exists()


def test_a_twenty_page_disclosure_breaks_its_table_with_repeated_headers(
    staff: Any, manager: Any
) -> None:
    case = make_case(actor=staff, manager=manager, state=CaseState.IN_PROGRESS)
    item = case.items.get()
    rows = [
        RecordRow(
            "来場登録",
            f"来場記録 {number}",
            f"2025年{number % 12 + 1}月 名古屋産業技術展 第{number}回来場"
            f"（受付番号 A-{number:05d}）",
            "展示会来場者管理システム",
        )
        for number in range(1, 421)
    ]
    services.item_add_disclosed_records(item=item, actor=staff, rows=rows)
    from requests_app import services as case_services

    case_services.item_record_outcome(item=item, actor=staff, outcome=Outcome.DONE)
    case_services.case_submit_for_approval(case=case, actor=staff)
    letter = ask(case, staff, "disclosure")
    data = stored_bytes(letter)
    pages = len(reader(data).pages)
    assert pages >= 20 and letter.page_count == pages
    for page in range(2, pages):
        text = pdftotext(data, page=page)
        assert "区分" in text and "項目" in text and "内容" in text, page  # the header again
        assert f"{page} / {pages} ページ" in text
        assert case.reference in text  # the running head names the case on every page
    last = pdftotext(data, page=pages)
    assert "来場記録 420" in last and "以上" in last


def test_era_dates() -> None:
    assert japanese_era_date(date(2026, 11, 28)) == "令和8年11月28日"
    assert japanese_era_date(date(2019, 5, 1)) == "令和元年5月1日"
    assert japanese_era_date(date(2019, 4, 30)) == "平成31年4月30日"
    assert japanese_era_date(date(1989, 1, 8)) == "平成元年1月8日"
    assert english_date(date(2026, 11, 28)) == "28 November 2026"
    assert english_date(date(2027, 1, 3)) == "3 January 2027"


def test_letter_html_keeps_the_letters_language_whatever_the_callers(staff: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    letter = services.letter_request(case=case, actor=staff, kind="acknowledgement", language="ja")
    html = letter_html(letter)  # the tests run in English
    assert "開示（法第33条）" in html and "Disclosure (Art. 33)" not in html


def test_the_stored_file_is_exactly_what_the_register_says(staff: Any) -> None:
    import hashlib

    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    letter = ask(case, staff, "acknowledgement")
    data = stored_bytes(letter)
    assert hashlib.sha256(data).hexdigest() == letter.sha256 and len(data) == letter.size
    assert io.BytesIO(data).read(5) == b"%PDF-"

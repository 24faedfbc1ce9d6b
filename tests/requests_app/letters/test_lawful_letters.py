"""Letters that say it right (Art. 36) and that a Japanese recipient would not find odd,
read back from the PDF with poppler's pdftotext, as the person would read them."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import weasyprint

from requests_app import services as case_services
from requests_app.business_calendar import load_calendar
from requests_app.choices import CaseState
from requests_app.letters import content as letter_content
from requests_app.letters import pdf, services
from requests_app.letters.render import render_letter
from requests_app.letters.services import RecordRow
from requests_app.models import Case, Letter
from tests.clock import office_time
from tests.factories import RequesterDataFactory, make_case
from tests.identity.factories import log_document
from tests.requests_app.letters.conftest import generate, pdftotext, reader, stored_bytes

pytestmark = pytest.mark.django_db


def flat(text: str) -> str:
    """The text without line breaks or spaces (a Japanese sentence may wrap anywhere)."""
    return "".join(text.split())


def ask(case: Any, actor: Any, kind: str, language: str = "ja", **kwargs: Any) -> Letter:
    return generate(
        services.letter_request(case=case, actor=actor, kind=kind, language=language, **kwargs)
    )


# Per kind: a decision not to act on one of its own grounds, and what the letter must show,
# counted by hand from the Act: the article (Japanese and English) and the ground's words.
DECISIONS = {
    "purpose_notice": (
        "already_clear",
        "個人情報の保護に関する法律第32条第2項第1号",
        "利用目的が明らかな場合",
        "Art. 32(2)(i)",
        "already clear from what the company has made known",
    ),
    "disclosure": (
        "business",
        "個人情報の保護に関する法律第33条第2項第2号",
        "当社の業務の適正な実施に著しい支障を及ぼすおそれがある場合",
        "Art. 33(2)(ii)",
        "seriously interfere with the proper conduct of the company's business",
    ),
    "third_party_records": (
        "harm",
        "個人情報の保護に関する法律第33条第5項において準用する同条第2項第1号",
        "本人又は第三者の生命、身体、財産その他の権利利益を害するおそれがある場合",
        "Art. 33(5), Art. 33(2)(i)",
        "harm the life, body, property or other rights or interests",
    ),
    "correction": (
        "accurate",
        "個人情報の保護に関する法律第34条第1項及び第2項",
        "当該保有個人データの内容が事実であると確認されたこと",
        "Art. 34(1), (2)",
        "the content of the retained personal data is true",
    ),
    "discontinuation": (
        "no_ground",
        "個人情報の保護に関する法律第35条第1項及び第5項",
        "第18条若しくは第19条の規定に違反して取り扱われているという事実",
        "Art. 35(1), (5)",
        "not handled beyond the purpose of use (Art. 18)",
    ),
    "third_party_cessation": (
        "no_ground",
        "個人情報の保護に関する法律第35条第3項及び第5項",
        "第27条第1項又は第28条の規定に違反して第三者に提供されている",
        "Art. 35(3), (5)",
        "in violation of Art. 27(1) or Art. 28",
    ),
}
REASONS = "社内の記録を確認した結果によるものです。"


def decided_not_to_act(staff: Any, manager: Any, kind: str) -> Case:
    case = make_case(actor=staff, kinds=(kind,), state=CaseState.IN_PROGRESS)
    case_services.item_record_outcome(
        item=case.items.get(),
        actor=staff,
        outcome="refused",
        refusal_ground=DECISIONS[kind][0],
        reasons=REASONS,
    )
    case = case_services.case_submit_for_approval(case=case, actor=staff)
    return case_services.case_refuse(case=case, actor=manager, reason="応じない")


@pytest.mark.parametrize("kind", list(DECISIONS))
def test_every_kinds_letter_states_its_article_and_ground(
    staff: Any, manager: Any, kind: str
) -> None:
    case = decided_not_to_act(staff, manager, kind)
    _ground, article_ja, words_ja, article_en, words_en = DECISIONS[kind]
    japanese = flat(pdftotext(stored_bytes(ask(case, staff, "refusal"))))
    assert flat(article_ja) in japanese
    assert flat(words_ja) in japanese
    assert flat(REASONS) in japanese  # the reasons in staff's words (Art. 36)
    assert "ご請求に応じない旨の決定について（通知）" in japanese
    english = " ".join(pdftotext(stored_bytes(ask(case, staff, "refusal", "en"))).split())
    assert f"Act on the Protection of Personal Information, {article_en}" in english
    assert words_en in english
    # Never another kind's ground: a correction is not refused for a business impediment.
    if kind != "disclosure" and kind != "third_party_records":
        assert "業務の適正な実施" not in japanese


def test_an_inquiry_is_answered_with_what_was_done(staff: Any, manager: Any) -> None:
    case = make_case(actor=staff, manager=manager, kinds=("complaint",), state="approved")
    text = flat(pdftotext(stored_bytes(ask(case, staff, "complaint_reply"))))
    assert "お問い合わせ等へのご回答" in text
    assert flat("すでに配信を停止いたしました。") in text  # what was done, in staff's words
    assert "根拠" not in text  # nothing refused, so no ground


def test_found_accurate_explains_that_the_data_was_investigated(staff: Any, manager: Any) -> None:
    case = decided_not_to_act(staff, manager, "correction")
    text = flat(pdftotext(stored_bytes(ask(case, staff, "refusal"))))
    assert flat("必要な調査を行いましたところ") in text
    assert flat("事実であることを確認いたしました") in text
    english = " ".join(pdftotext(stored_bytes(ask(case, staff, "refusal", "en"))).split())
    assert "We investigated the personal data concerned" in english
    assert "its content is accurate" in english


def test_a_partial_correction_lists_before_and_after_and_the_ground(
    staff: Any, manager: Any
) -> None:
    case = make_case(actor=staff, kinds=("correction",), state=CaseState.IN_PROGRESS)
    item = case.items.get()
    services.item_add_change(
        item=item,
        actor=staff,
        subject="住所",
        before="愛知県名古屋市中区栄三丁目4番5号",
        after="愛知県名古屋市中区平和1丁目1番19号",
    )
    case_services.item_record_outcome(
        item=item,
        actor=staff,
        outcome="partly_done",
        refusal_ground="not_needed",
        reasons="旧住所の履歴は、配送記録の保存のため引き続き必要です。",
    )
    case = case_services.case_submit_for_approval(case=case, actor=staff)
    case = case_services.case_approve(case=case, actor=manager)
    text = flat(pdftotext(stored_bytes(ask(case, staff, "correction_done"))))
    for expected in (
        "訂正等の前",
        "訂正等の後",
        "愛知県名古屋市中区栄三丁目4番5号",
        "愛知県名古屋市中区平和1丁目1番19号",
        "個人情報の保護に関する法律第34条第2項",
        "利用目的の達成に必要な範囲を超える",
        "旧住所の履歴は、配送記録の保存のため引き続き必要です。",
    ):
        assert flat(expected) in text, expected


def test_an_alternative_measure_letter_states_the_measure(staff: Any, manager: Any) -> None:
    case = make_case(actor=staff, kinds=("discontinuation",), state=CaseState.IN_PROGRESS)
    case_services.item_record_outcome(
        item=case.items.get(),
        actor=staff,
        outcome="different_measure",
        reasons="配信システムの仕様上、過去の配信記録を個別に消去することが困難なため。",
        measure="配信リストから除外し、今後一切の配信に利用しない措置を講じました。",
    )
    case = case_services.case_submit_for_approval(case=case, actor=staff)
    case = case_services.case_approve(case=case, actor=manager)
    letter = ask(case, staff, "cessation_done")
    text = flat(pdftotext(stored_bytes(letter)))
    assert "講じた措置" in text
    assert flat("配信リストから除外し、今後一切の配信に利用しない措置を講じました。") in text
    assert flat("個人情報の保護に関する法律第35条第2項ただし書及び第6項ただし書") in text
    assert flat("これに代わるべき措置") in text


def test_a_disclosure_in_writing_instead_says_why(staff: Any, manager: Any) -> None:
    case = make_case(actor=staff, kinds=("disclosure",), state=CaseState.IN_PROGRESS)
    item = case.items.get()
    services.item_add_disclosed_records(
        item=item, actor=staff, rows=[RecordRow("基本情報", "氏名", "高橋 美咲", "顧客DB")]
    )
    case_services.item_record_outcome(
        item=item,
        actor=staff,
        outcome="other_method",
        reasons="電磁的記録による提供には新たなシステム改修が必要なため。",
    )
    case = case_services.case_submit_for_approval(case=case, actor=staff)
    case = case_services.case_approve(case=case, actor=manager)
    text = flat(pdftotext(stored_bytes(ask(case, staff, "disclosure"))))
    assert flat("本書面の交付により開示いたします") in text
    assert flat("個人情報の保護に関する法律第33条第2項") in text
    assert flat("電磁的記録による提供には新たなシステム改修が必要なため。") in text


# --- the window, the reply-by date, the page breaks ----------------------------------------


def _window_lines(data: bytes) -> list[str]:
    """The lines of the envelope's window, from the postal code to the name, as printed."""
    layout = pdftotext(data, layout=True)
    window = [line[:44].strip() for line in layout.splitlines()[:14] if line[:44].strip()]
    postal = next(index for index, line in enumerate(window) if line.startswith("〒"))
    name = next(index for index, line in enumerate(window) if line.endswith("様"))
    return window[postal : name + 1]


def test_the_window_prints_the_address_on_whole_tokens(staff: Any) -> None:
    # Full-width digits, as typed off an envelope; twenty characters of place names put the
    # window's edge inside the block number, where a plain line break would cut it after
    # "1丁目1" (checked with the tokens taken out); the building and room follow.
    case = make_case(
        actor=staff,
        state=CaseState.AWAITING_IDENTITY,
        requester=RequesterDataFactory(
            postal_code="４４１－２５０２",
            address=(
                "愛知県北設楽郡豊根村大字富山字大入島向１丁目１番１９号"
                "　サンハイツ平和弐番館１０１号室"
            ),
        ),
    )
    lines = _window_lines(stored_bytes(ask(case, staff, "acknowledgement")))
    assert lines == [
        "〒441-2502",
        "愛知県北設楽郡豊根村大字富山字大入島向",
        "1丁目1番19号",
        "サンハイツ平和弐番館101号室",
        "高橋 美咲 様",
    ], lines
    english = _window_lines(stored_bytes(ask(case, staff, "acknowledgement", "en")))
    assert english[2:] == ["1丁目1番19号", "サンハイツ平和弐番館101号室", "高橋 美咲 様"], english


def test_a_reply_by_date_in_the_new_year_closure_moves_to_the_next_open_day(
    staff: Any,
) -> None:
    calendar = load_calendar()
    # 30 days after 2 December 2026 is New Year's Day: the office is closed until the 3rd,
    # so the reply is due on Monday 4 January 2027.
    assert letter_content.reply_by(date(2026, 12, 2), calendar) == date(2027, 1, 4)
    # A date the office is open stays where it is: 30 days after 4 Nov 2026 is Fri 4 Dec.
    assert letter_content.reply_by(date(2026, 11, 4), calendar) == date(2026, 12, 4)
    with office_time(date(2026, 12, 2)):
        case = make_case(
            actor=staff, state=CaseState.AWAITING_IDENTITY, arrival_date=date(2026, 11, 30)
        )
        letter = ask(case, staff, "deficiency")
    assert letter.content["reply_by"] == "2027-01-04"
    text = flat(pdftotext(stored_bytes(letter)))
    assert "令和9年1月4日までに" in text and "令和9年1月4日（当社必着）" in text
    assert "令和9年1月1日" not in text


def test_a_request_for_three_documents_and_the_fee_fits_on_one_page(staff: Any) -> None:
    case = make_case(actor=staff, kinds=("disclosure",), state=CaseState.AWAITING_IDENTITY)
    # A passport in another name: one more document, one in the right name, and one that
    # shows the address are asked for, and the fee.
    log_document(case, staff, "passport", name_shown="SATO HANAKO")
    for language in ("ja", "en"):
        letter = ask(case, staff, "deficiency", language)
        assert len(letter.content["missing"]) == 3, letter.content["missing"]
        assert letter.content["fee"]["shortfall"] == 1000
        data = stored_bytes(letter)
        assert letter.page_count == len(reader(data).pages) == 1, language
        text = flat(pdftotext(data))
        for sentence in letter.content["missing"]:
            assert flat(sentence) in text
        assert ("手数料の不足分1,000円" if language == "ja" else "Therestofthefee,¥1,000") in text
        assert ("以上" in text) if language == "ja" else ("Yourssincerely" in text)


STRIPPED_RULE = ".ijo, .ending, .contact { break-before: avoid; page-break-before: avoid; }"


def _refusal(case: Case, reasons: str) -> Letter:
    content = {
        "v": letter_content.CONTENT_VERSION,
        "reference": case.reference,
        "number": f"{case.reference}-01",
        "letter_date": "2026-12-01",
        "recipient": {
            "name": "高橋 美咲",
            "postal_code": "460-0021",
            "address": "愛知県名古屋市中区平和1丁目1番19号",
            "agent_kind": "",
            "person_name": "高橋 美咲",
            "title": "",
        },
        "relationship": "customer",
        "arrival_date": "2026-11-20",
        "due_date": "2026-12-04",
        "disclosure_method": "",
        "fee": {"due": 0, "paid": 0, "shortfall": 0, "payments": []},
        "items": [
            {
                "kind": "correction",
                "details": "登録されている住所が旧住所のままです。現住所に訂正してください。",
                "outcome": "refused",
                "ground": "accurate",
                "reasons": reasons,
                "measure": "",
            }
        ],
    }
    return Letter(
        case=case,
        number=content["number"],
        kind="refusal",
        language="ja",
        version=1,
        letter_date=date(2026, 12, 1),
        content=content,
    )


def _last_page(data: bytes) -> str:
    return pdftotext(data, page=len(reader(data).pages))


def test_the_closing_never_stands_alone_on_a_page(staff: Any, monkeypatch: Any) -> None:
    case = make_case(actor=staff)
    css = (pdf.static_root() / pdf.STYLESHEET).read_text()
    assert STRIPPED_RULE in css
    bare = weasyprint.CSS(
        string=css.replace(STRIPPED_RULE, ""),
        base_url=pdf.base_url(),
        url_fetcher=pdf.StaticOnlyFetcher(),
        font_config=pdf.font_config(),
    )
    sentence = "顧客管理システムの登録内容を、提出いただいた届出と照合しました。"
    # Find reasons of a length at which, without the rule, page 2 would hold nothing but
    # the closing (以上), the sentence before it and the contact box.
    found = None
    for count in range(1, 10):
        letter = _refusal(case, sentence * count)
        with monkeypatch.context() as patched:
            patched.setattr(pdf, "stylesheet", lambda: bare)
            data = render_letter(letter)
        last = flat(_last_page(data))
        if len(reader(data).pages) == 2 and "以上" in last and sentence not in last:
            found = count
            break
    assert found is not None, "no letter length puts the closing alone on page 2"
    data = render_letter(_refusal(case, sentence * found))
    last = flat(_last_page(data))
    assert len(reader(data).pages) == 2
    # With the rule the closing keeps company: the end of the reasons comes with it.
    assert "以上" in last and "お問い合わせ先" in last
    assert sentence in last
    assert "理由" in last


# --- who the letter speaks to, and what it says is still to come ----------------------------


def test_english_letters_address_the_person_politely(staff: Any) -> None:
    plain = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    text = " ".join(pdftotext(stored_bytes(ask(plain, staff, "acknowledgement", "en"))).split())
    assert "高橋 美咲 様" in text  # the window, in every language
    assert "Dear 高橋 美咲 様," in text
    titled = make_case(
        actor=staff,
        state=CaseState.AWAITING_IDENTITY,
        requester=RequesterDataFactory(
            name="Emily Brown", name_kana="エミリー ブラウン", title="Ms"
        ),
    )
    text = " ".join(pdftotext(stored_bytes(ask(titled, staff, "acknowledgement", "en"))).split())
    assert "Emily Brown 様" in text and "Dear Ms Brown," in text
    japanese = flat(pdftotext(stored_bytes(ask(titled, staff, "acknowledgement"))))
    assert "EmilyBrown様" in japanese


def test_the_acknowledgement_says_what_still_has_to_happen(staff: Any) -> None:
    checking = make_case(actor=staff, kinds=("disclosure",), state=CaseState.AWAITING_IDENTITY)
    letter = ask(checking, staff, "acknowledgement")
    assert letter.content["still_to_do"] == ["identity", "fee", "investigation"]
    text = flat(pdftotext(stored_bytes(letter)))
    assert flat("ご本人であることを確認いたします") in text
    assert flat("手数料1,000円のご送付をお願いいたします") in text
    assert flat("調査を行い、その結果を書面にてご回答申し上げます") in text
    # Identity checked and the fee paid: only what is still to come is said.
    working = make_case(actor=staff, kinds=("disclosure",), state=CaseState.IN_PROGRESS)
    letter = ask(working, staff, "acknowledgement")
    assert letter.content["still_to_do"] == ["investigation"]
    text = flat(pdftotext(stored_bytes(letter)))
    assert "本人確認書類" not in text and "手数料1,000円のご送付" not in text
    assert flat("調査を行い、その結果を書面にてご回答申し上げます") in text
    english = " ".join(
        pdftotext(stored_bytes(ask(working, staff, "acknowledgement", "en"))).split()
    )
    assert "We will look into your request and reply to you in writing." in english
    assert "identity documents" not in english


def test_records_the_cabinet_order_excludes_are_left_out_without_mention(
    staff: Any, manager: Any
) -> None:
    from django.urls import reverse

    from requests_app.errors import InvalidInput
    from tests.conftest import client_for

    case = make_case(
        actor=staff, kinds=("third_party_records", "disclosure"), state=CaseState.IN_PROGRESS
    )
    records_item = case.items.get(kind="third_party_records")
    kept, excluded = services.item_add_disclosed_records(
        item=records_item,
        actor=staff,
        rows=[
            RecordRow("提供記録", "提供先", "株式会社中部物流（配送委託）", "提供記録台帳"),
            RecordRow("提供記録", "提供先", "捜査機関からの照会への回答", "提供記録台帳"),
        ],
    )
    services.disclosed_record_mark_excluded(record=excluded, actor=staff)
    disclosure = case.items.get(kind="disclosure")
    services.item_add_disclosed_records(
        item=disclosure, actor=staff, rows=[RecordRow("基本情報", "氏名", "高橋 美咲", "顧客DB")]
    )
    # Only records of provision are such records.
    with pytest.raises(InvalidInput):
        services.disclosed_record_mark_excluded(
            record=disclosure.disclosed_records.get(), actor=staff
        )
    for item in case.items.all():
        case_services.item_record_outcome(item=item, actor=staff, outcome="done")
    case = case_services.case_submit_for_approval(case=case, actor=staff)
    case = case_services.case_approve(case=case, actor=manager)
    letter = ask(case, staff, "disclosure")
    text = flat(pdftotext(stored_bytes(letter)))
    assert flat("株式会社中部物流（配送委託）") in text
    # Left out, and nothing says that anything was left out.
    assert flat("捜査機関からの照会への回答") not in text
    for telltale in ("施行令", "第11条", "除外", "政令"):
        assert telltale not in text, telltale
    assert "（2件" not in text and "（1件" in text  # the count is of what is shown
    # The approver sees it; staff preparing the letter see it on the case page only.
    url = reverse("requests_app:letter_detail", args=[case.reference, letter.pk])
    approver = client_for(manager).get(url).content.decode()
    assert 'data-testid="excluded-records"' in approver and "捜査機関からの照会への回答" in approver
    assert 'data-testid="excluded-records"' not in client_for(staff).get(url).content.decode()
    event = case.events.get(action="case.item.record_excluded")
    assert event.payload["excluded"] is True and event.payload["position"] == excluded.position
    assert kept.excluded_by_order is False

"""Realistic Japanese demo data: names with kana, Aichi addresses, one login per role.

Used by `manage.py seed_demo` and by the test factories, so demo and tests look alike.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from requests_app import services
from requests_app.choices import CaseState as S
from requests_app.choices import FeeForm, Outcome, Relationship, RequestKind
from requests_app.datamap import services as datamap
from requests_app.datamap.choices import ProvisionBasis, ProvisionDirection
from requests_app.datamap.models import DataSystem
from requests_app.demo.identity import log_passing_documents
from requests_app.letters import kinds as letter_kinds
from requests_app.letters import rules
from requests_app.letters import services as letters

FAMILY_NAMES = [
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("清水", "シミズ"),
    ("山崎", "ヤマザキ"),
    ("森", "モリ"),
    ("近藤", "コンドウ"),
    ("石川", "イシカワ"),
    ("水野", "ミズノ"),
    ("大野", "オオノ"),
]
GIVEN_NAMES = [
    ("花子", "ハナコ"),
    ("一郎", "イチロウ"),
    ("健太", "ケンタ"),
    ("美咲", "ミサキ"),
    ("翔太", "ショウタ"),
    ("陽菜", "ヒナ"),
    ("大輔", "ダイスケ"),
    ("由美", "ユミ"),
    ("直樹", "ナオキ"),
    ("さくら", "サクラ"),
    ("和也", "カズヤ"),
    ("恵子", "ケイコ"),
    ("拓也", "タクヤ"),
    ("真由美", "マユミ"),
    ("誠", "マコト"),
    ("彩", "アヤ"),
]
# (postal code, address up to the town) in Aichi prefecture.
AICHI_TOWNS = [
    ("460-0021", "愛知県名古屋市中区平和"),
    ("460-0008", "愛知県名古屋市中区栄"),
    ("450-0002", "愛知県名古屋市中村区名駅"),
    ("464-0819", "愛知県名古屋市千種区四谷通"),
    ("466-0825", "愛知県名古屋市昭和区八事本町"),
    ("467-0806", "愛知県名古屋市瑞穂区瑞穂通"),
    ("453-0015", "愛知県名古屋市中村区椿町"),
    ("471-0025", "愛知県豊田市西町"),
    ("444-0052", "愛知県岡崎市康生通西"),
    ("491-0858", "愛知県一宮市栄"),
    ("440-0888", "愛知県豊橋市駅前大通"),
    ("448-0857", "愛知県刈谷市大手町"),
    ("486-0844", "愛知県春日井市鳥居松町"),
    ("484-0086", "愛知県犬山市松本町"),
]

DETAILS: dict[str, str] = {
    RequestKind.PURPOSE_NOTICE: "私の個人情報の利用目的を通知してください。",
    RequestKind.DISCLOSURE: (
        "展示会の来場登録で提供した氏名・連絡先など、保有する私の個人データの開示を求めます。"
    ),
    RequestKind.THIRD_PARTY_RECORDS: "私の個人データを第三者に提供した記録の開示を求めます。",
    RequestKind.CORRECTION: "登録されている住所が旧住所のままです。現住所に訂正してください。",
    RequestKind.DISCONTINUATION: (
        "メールマガジンの配信のための利用を停止し、データを消去してください。"
    ),
    RequestKind.THIRD_PARTY_CESSATION: (
        "グループ会社以外への私の個人データの提供を停止してください。"
    ),
    RequestKind.COMPLAINT: "退会後も案内が届くことについて、取扱いの説明を求めます。",
}


@dataclass(frozen=True)
class Person:
    name: str
    name_kana: str
    date_of_birth: date
    postal_code: str
    address: str
    phone: str
    email: str
    relationships: tuple[str, ...]


def person(rng: random.Random) -> Person:
    family, family_kana = rng.choice(FAMILY_NAMES)
    given, given_kana = rng.choice(GIVEN_NAMES)
    postal_code, town = rng.choice(AICHI_TOWNS)
    block = f"{rng.randint(1, 5)}丁目{rng.randint(1, 30)}番{rng.randint(1, 20)}号"
    born = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 55))
    return Person(
        name=f"{family} {given}",
        name_kana=f"{family_kana} {given_kana}",
        date_of_birth=born,
        postal_code=postal_code,
        address=f"{town}{block}",
        phone=f"052-{rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
        email=f"user{rng.randint(1000, 99999)}@example.jp",
        relationships=relationships(rng),
    )


def relationships(rng: random.Random) -> tuple[str, ...]:
    """One relationship, sometimes two (a customer who is also a shareholder)."""
    chosen = {rng.choice(Relationship.values)}
    if rng.random() < 0.15:
        chosen.add(rng.choice([Relationship.CUSTOMER, Relationship.INVESTOR]))
    if len(chosen) > 1:
        chosen.discard(Relationship.OTHER)
    return tuple(value for value in Relationship.values if value in chosen)


def kinds(rng: random.Random) -> list[str]:
    weighted = [RequestKind.DISCLOSURE] * 5 + list(RequestKind)
    chosen = {rng.choice(weighted)}
    if rng.random() < 0.3:
        chosen.add(rng.choice(list(RequestKind)))
    return sorted(chosen)


def walk_to(case: Any, target: str, *, staff: Any, manager: Any) -> Any:
    """Take a case from where it stands to `target` through the services, as staff would.

    Each step runs only from the state it starts in, so a test can walk a case part of
    the way on one day and on from there on a later one. A wait on the requester is entered
    as in the office: the request letter is generated and recorded as mailed today.
    """
    if case.state == target:
        return case
    if target == S.WITHDRAWN:
        return services.case_withdraw(
            case=case, actor=staff, reason="ご本人から書面で取下げの連絡がありました。"
        )
    if case.state == S.RECEIVED:
        case = services.case_begin_identity_check(case=case, actor=staff)
        if case.state == target:
            return case
    if case.state == S.AWAITING_IDENTITY and target in (S.AWAITING_DOCUMENTS, S.ABANDONED):
        case = ask_by_letter(case, staff=staff)
        if case.state == target:
            return case
    if case.state == S.AWAITING_DOCUMENTS:
        if target == S.ABANDONED:
            return services.case_abandon(
                case=case,
                actor=manager,
                reason="本人確認書類の再送を依頼してから30日が経過しました。",
            )
        case = services.case_receive_documents(
            case=case, actor=staff, received_on=timezone.localdate()
        )
    if case.state == S.AWAITING_IDENTITY:
        log_passing_documents(case, actor=staff)
        case = services.case_verify_identity(case=case, actor=staff)
        if case.state == target:
            return case
    if case.state == S.IDENTITY_VERIFIED and case.fee_shortfall:
        if target == S.AWAITING_FEE:
            return ask_by_letter(case, staff=staff)
        # Otherwise the fee came with the request: recorded, and work starts.
        _pay_fee(case, staff=staff)
    if case.state == S.AWAITING_FEE:
        _pay_fee(case, staff=staff)
    if case.state in (S.IDENTITY_VERIFIED, S.AWAITING_FEE):
        case = services.case_start_work(case=case, actor=staff)
        if case.state == target:
            return case
    if case.state == S.AWAITING_COMPLETION:
        case = services.case_receive_completion(
            case=case, actor=staff, received_on=timezone.localdate()
        )
        if case.state == target:
            return case
    if case.state == S.IN_PROGRESS:
        if target == S.AWAITING_COMPLETION:
            return ask_by_letter(case, staff=staff, completion=COMPLETION_ASKED)
        _record_outcomes(case, refusing=target == S.REFUSED, staff=staff)
        draft_reply_letters(case, staff=staff)
        case = services.case_submit_for_approval(case=case, actor=staff)
        if case.state == target:
            return case
    if case.state == S.AWAITING_APPROVAL:
        # The decision and its letters, approved in one step by a manager who did not
        # submit it (a second pair of eyes).
        if target == S.REFUSED:
            return letters.decision_refuse(
                case=case, actor=manager, reason="いずれのご請求にも応じない旨を決定します。"
            )
        case = letters.decision_approve(case=case, actor=manager)
        if case.state == target:
            return case
    if case.state in (S.APPROVED, S.REFUSED):
        case = send_reply_letters(case, staff=staff, manager=manager)
        if case.state == target:
            return case
    return services.case_close(case=case, actor=staff)


COMPLETION_ASKED = "対象となる取引の時期を特定いただくため、補正をお願いします。"


def ask_by_letter(case: Any, *, staff: Any, completion: str = "") -> Any:
    """Ask the person for what is missing (documents, fee or the completion of the request)
    by the request letter, generated and recorded as mailed today: the case then waits."""
    letter = letters.letter_request(
        case=case, actor=staff, kind=letter_kinds.LetterKind.DEFICIENCY, completion=completion
    )
    letters.letter_generate(letter_id=letter.pk)
    letter.refresh_from_db()
    letters.letter_record_mailing(
        letter=letter,
        actor=staff,
        method="ordinary",
        tracking_number="",
        sent_on=timezone.localdate(),
    )
    return type(case).objects.get(pk=case.pk)


def _pay_fee(case: Any, *, staff: Any) -> None:
    services.fee_record_payment(
        case=case,
        actor=staff,
        form=FeeForm.POSTAL_MONEY_ORDER,
        amount_yen=case.fee_shortfall,
        serial_number="AB123456",
        received_on=timezone.localdate(),
    )


# A decision not to act, per kind: a ground of that kind and staff's reasons (demo).
REFUSALS: dict[str, tuple[str, str]] = {
    RequestKind.PURPOSE_NOTICE: (
        "already_clear",
        "利用目的は、当社ウェブサイトの個人情報保護方針「4．個人情報の利用目的」において公表"
        "しており、明らかであるため。",
    ),
    RequestKind.DISCLOSURE: (
        "business",
        "ご請求の記録は社内調査の資料と一体となっており、開示により調査業務の適正な実施に"
        "著しい支障を及ぼすおそれがあるため。",
    ),
    RequestKind.THIRD_PARTY_RECORDS: (
        "business",
        "ご請求の記録は社内調査の資料と一体となっており、開示により調査業務の適正な実施に"
        "著しい支障を及ぼすおそれがあるため。",
    ),
    RequestKind.CORRECTION: (
        "accurate",
        "顧客管理システムの登録住所を、ご本人から提出いただいた住所変更届（令和7年4月受付）と"
        "照合し、現住所として事実であることを確認したため。",
    ),
    RequestKind.DISCONTINUATION: (
        "no_ground",
        "メールマガジンの配信は、ご登録時に同意いただいた利用目的の範囲内で行っており、"
        "法第18条から第20条までに違反する取扱い及び第35条第5項に該当する事由は認められ"
        "なかったため。",
    ),
    RequestKind.THIRD_PARTY_CESSATION: (
        "no_ground",
        "グループ外への提供は、ご本人の同意に基づき行っており、法第27条第1項又は第28条に"
        "違反する提供及び第35条第5項に該当する事由は認められなかったため。",
    ),
}


def _record_outcomes(case: Any, *, refusing: bool, staff: Any) -> None:
    for item in case.items.all():
        if refusing:
            if item.kind not in REFUSALS:
                raise ValueError(f"A {item.kind} request has no decision not to act (Art. 40).")
            ground, reasons = REFUSALS[item.kind]
            services.item_record_outcome(
                item=item,
                actor=staff,
                outcome=Outcome.REFUSED,
                refusal_ground=ground,
                reasons=reasons,
            )
            continue
        record_letter_content(item, staff=staff)
        answer = COMPLAINT_ANSWER if item.kind == RequestKind.COMPLAINT else ""
        services.item_record_outcome(item=item, actor=staff, outcome=Outcome.DONE, reasons=answer)


COMPLAINT_ANSWER = (
    "ご退会の手続の後も案内をお送りしていたのは、配信システムへの反映が遅れていたためです。"
    "すでに配信を停止いたしました。ご迷惑をおかけしましたことをお詫び申し上げます。"
)
# What the disclosure and completion letters report, for demo cases.
DEMO_RECORDS = [
    ("基本情報", "氏名", "{name}", "展示会来場者管理システム"),
    ("連絡先", "住所", "〒{postal_code} {address}", "展示会来場者管理システム"),
    ("連絡先", "電話番号", "{phone}", "展示会来場者管理システム"),
    ("連絡先", "電子メールアドレス", "{email}", "メールマガジン配信システム"),
    ("取引情報", "来場日", "2025年10月8日（名古屋産業技術展）", "展示会来場者管理システム"),
]
DEMO_CHANGES: dict[str, tuple[str, str, str]] = {
    RequestKind.CORRECTION: ("住所", "愛知県名古屋市中区栄三丁目4番5号", "{address}"),
    RequestKind.DISCONTINUATION: ("メールマガジンの配信", "配信中", "配信停止・登録情報消去"),
    RequestKind.THIRD_PARTY_CESSATION: ("グループ外への提供", "提供あり", "提供停止"),
}


def record_letter_content(item: Any, *, staff: Any) -> None:
    """The data found (disclosures) or the change made (corrections etc.) for one item."""
    person = item.case.requester
    facts = {name: getattr(person, name) for name in ("name", "postal_code", "address")}
    facts.update(phone=person.phone or "—", email=person.email or "—")
    if item.kind == RequestKind.THIRD_PARTY_RECORDS:
        record_provision(item, staff=staff)
    elif item.kind == RequestKind.DISCLOSURE:
        rows = [
            letters.RecordRow(category, field, value.format(**facts), source)
            for category, field, value, source in DEMO_RECORDS
        ]
        letters.item_add_disclosed_records(item=item, actor=staff, rows=rows)
    elif item.kind in DEMO_CHANGES:
        subject, before, after = DEMO_CHANGES[item.kind]
        letters.item_add_change(
            item=item,
            actor=staff,
            subject=subject,
            before=before.format(**facts),
            after=after.format(**facts),
        )


def record_provision(item: Any, *, staff: Any) -> Any:
    """A record of provision of the person's data (their event registration, passed on with
    their consent to the event's co-host), entered in the register and marked as theirs."""
    person = item.case.requester
    system = (
        DataSystem.objects.filter(name="メールマガジン・展示会来場者リスト").first()
        or DataSystem.objects.order_by("pk").first()
    )
    provided = item.case.arrival_date - timedelta(days=120)
    record = datamap.provision_add(
        actor=staff,
        data=datamap.ProvisionData(
            system_id=system.pk if system else 0,
            direction=ProvisionDirection.PROVIDED,
            basis=ProvisionBasis.CONSENT,
            consent_obtained=True,
            counterpart_name="株式会社中部イベント企画",
            counterpart_address="愛知県名古屋市中村区名駅四丁目7番1号",
            counterpart_is_corporation=True,
            counterpart_representative="代表取締役 森 健司",
            person_name=person.name,
            person_name_kana=person.name_kana,
            person_date_of_birth=person.date_of_birth,
            data_items="氏名、勤務先、電子メールアドレス、来場日",
            provided_on=provided,
            last_provision_on=provided,
        ),
    )
    datamap.provision_link(item=item, actor=staff, record=record)
    return record


def draft_reply_letters(case: Any, *, staff: Any) -> list[Any]:
    """Draft (generate in line) every deciding letter the decided items call for, as staff
    do before they submit the decision for approval."""
    drafted = []
    for kind in letter_kinds.reply_kinds_for(case.items.all()):
        letter = letters.letter_request(case=case, actor=staff, kind=kind)
        letters.letter_generate(letter_id=letter.pk)
        letter.refresh_from_db()
        drafted.append(letter)
    return drafted


def send_reply_letters(case: Any, *, staff: Any, manager: Any) -> Any:
    """Mail every deciding letter approved with the decision (drafting and approving any
    that is missing); the last mailing is "reply sent"."""
    drafts = rules.latest_drafts(case, list(case.items.all()))
    generated = [letter for letter in drafts.values() if letter is not None]
    if len(generated) < len(drafts):
        generated = draft_reply_letters(case, staff=staff)
    for letter in generated:
        if letter.approved_at is None:
            letters.letter_approve(letter=letter, actor=manager)
    for letter in generated:
        letters.letter_record_mailing(
            letter=letter,
            actor=staff,
            method="simple_registered",
            tracking_number="1234-5678-9012",
            sent_on=timezone.localdate(),
        )
    return type(case).objects.get(pk=case.pk)


# --- a year of history, for the dashboard --------------------------------------------------


@contextmanager
def office_clock() -> Iterator[Callable[[date], None]]:
    """Let the services believe it is another day (10:00 in Tokyo), for demo history only.

    The services read the time from `django.utils.timezone.now`; walking past cases through
    them at their own dates gives histories, due dates, letters and audit events that agree
    with each other, as if the office had used the app all year.
    """
    from unittest import mock
    from zoneinfo import ZoneInfo

    current = [timezone.now()]

    def move(day: date) -> None:
        current[0] = datetime.combine(day, time(10), tzinfo=ZoneInfo("Asia/Tokyo"))

    with mock.patch("django.utils.timezone.now", side_effect=lambda: current[0]):
        yield move


AWAIT = S.AWAITING_DOCUMENTS


@dataclass(frozen=True)
class PastCase:
    """A case of the demo's history: when it arrived and the day of each later step."""

    arrival: date
    kinds: list[str]
    steps: list[tuple[date, str]]  # (day, state to walk to), in order


def plan_history(rng: random.Random, *, today: date, months: int, calendar: Any) -> list[PastCase]:
    """A few cases a month for `months` months before this one, each replied to and closed:
    most within their deadline, some after waiting on the requester, a few late."""
    this_month = today.replace(day=1)
    planned = []
    for back in range(months, 0, -1):
        index = this_month.year * 12 + this_month.month - 1 - back
        start = date(index // 12, index % 12 + 1, 1)
        for _ in range(rng.randint(3, 6)):
            arrival = calendar.next_working_day(start + timedelta(days=rng.randint(0, 26)))
            waited = rng.choice([0, 0, 0, 1, 3, 6])  # days waiting for identity documents
            verified = calendar.next_working_day(arrival + timedelta(days=waited))
            worked = rng.choice([3, 4, 5, 6, 7, 8, 9, 10, 16])  # a few go past two weeks
            replied = calendar.next_working_day(verified + timedelta(days=worked))
            closed = calendar.next_working_day(replied + timedelta(days=2))
            if closed >= today:
                continue
            refused = rng.random() < 0.1
            steps: list[tuple[date, str]] = [(arrival, S.AWAITING_IDENTITY)]
            if waited > 1:
                # Documents were missing: the request went out the next working day and the
                # case waited on the person until they arrived.
                steps.append((calendar.next_working_day(arrival + timedelta(days=1)), AWAIT))
            steps.append((verified, S.IN_PROGRESS))
            asked = kinds(rng)
            if refused:
                # An inquiry or complaint is answered, never refused (Art. 40).
                asked = [kind for kind in asked if kind != RequestKind.COMPLAINT] or [
                    RequestKind.DISCLOSURE
                ]
                steps.append((replied, S.REFUSED))
            steps += [(replied, S.REPLY_SENT), (closed, S.CLOSED)]
            planned.append(PastCase(arrival, asked, steps))
    return sorted(planned, key=lambda past: past.arrival)

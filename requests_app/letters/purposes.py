"""The purposes of use the policy publishes (Section 4), by the person's relationship to CMC.

Each purpose also has a code ("customer.3"); the data map records the codes of each system's
purposes, and a notice of purpose of use lists those of the systems where the person was
found (requests_app/datamap).

The notice of purpose of use (Art. 32) tells the person the purposes that apply to them. The
facts are the policy's; the sentences are ours, in Japanese and in English.
"""

from __future__ import annotations

from collections.abc import Iterable

from requests_app.choices import Relationship

R = Relationship

# relationship -> (heading, purposes) per language
PURPOSES: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    R.CUSTOMER: {
        "ja": (
            "製品・サービスをご利用のお客様",
            (
                "当社の事業（技術情報、人材育成、プロセス改善、マーケティング戦略）の推進",
                "当社の事業、製品及びサービスに関する情報の収集、提供及び交換",
                "市場調査（アンケート等）の実施・分析、マーケティング、販売促進、営業活動及び資料の送付",
                "展示会、イベント及び研修の企画、実施及び事後対応",
                "業務プロセスの構築及び改善",
                "ご質問、お問い合わせ及びご要望への対応並びにお打合せ",
                "上記に関するCMCグループ各社との情報交換及び社内研修",
            ),
        ),
        "en": (
            "Users of our products and services",
            (
                "Running our business (technical information, personnel development, process "
                "improvement, marketing strategy)",
                "Collecting, providing and exchanging information about our business, products "
                "and services",
                "Market research (such as surveys) and its analysis, marketing, sales promotion, "
                "sales activities and sending materials",
                "Planning, holding and following up exhibitions, events and training sessions",
                "Setting up and improving our working processes",
                "Answering questions, inquiries and requests, and meetings",
                "Exchanging information on the above with CMC Group companies, and internal "
                "training",
            ),
        ),
    },
    R.BUSINESS_CONTACT: {
        "ja": (
            "お取引先の従業員の方",
            (
                "業務の遂行に関するご連絡",
                "業務上の経費の精算",
                "当社の事業、製品及びサービスに関する情報提供のためのご連絡",
                "年賀状、お礼状その他のご案内の送付",
            ),
        ),
        "en": (
            "Employees of our business partners",
            (
                "Contacting you about the work we do together",
                "Settling business expenses",
                "Contacting you to inform you about our business, products and services",
                "Sending greeting cards, thank-you letters and other announcements",
            ),
        ),
    },
    R.INVESTOR: {
        "ja": (
            "株主・投資家の方",
            ("株主及び投資家の皆様への情報の提供及び交換",),
        ),
        "en": (
            "Shareholders and investors",
            ("Providing information to, and exchanging it with, shareholders and investors",),
        ),
    },
    R.JOB_APPLICANT: {
        "ja": (
            "採用応募者の方",
            (
                "応募、会社説明会及び採用日程に関するご連絡",
                "選考・評価及び面接結果に関するご連絡",
                "入社手続に関するご案内",
            ),
        ),
        "en": (
            "Job applicants",
            (
                "Contacting you about your application, briefings and the recruiting schedule",
                "Contacting you about screening, evaluation and the results of interviews",
                "Information about joining the company",
            ),
        ),
    },
    R.EMPLOYEE: {
        "ja": (
            "役員・従業員の方",
            (
                "業務の遂行に関するご連絡",
                "人事、労務その他の管理（福利厚生、保険手続、給与支払、勤怠管理、"
                "労働安全衛生（健康管理を含みます。）等）",
                "緊急時のご連絡",
                "社内のご連絡（情報交換、社内報等）",
                "社外とのご連絡（社外の団体・個人とのやり取り、業務実績等）",
            ),
        ),
        "en": (
            "Officers and employees",
            (
                "Contacting you about your work",
                "Administration, personnel and other labour matters (benefits, insurance, "
                "salary, attendance, occupational health and safety including health care)",
                "Contacting you in an emergency",
                "Internal communication (exchange of information, company newsletters)",
                "Communication with outside parties (organisations and individuals, work records)",
            ),
        ),
    },
    R.EMPLOYEE_RELATION: {
        "ja": (
            "従業員のご家族等の関係者の方",
            ("緊急時のご連絡", "従業員の身元保証"),
        ),
        "en": (
            "People related to our employees",
            ("Contacting you in an emergency", "Guarantees of an employee's fidelity"),
        ),
    },
    R.RETIRED_EMPLOYEE: {
        "ja": (
            "退職者の方",
            ("退職者に関する法令上必要な事務",),
        ),
        "en": (
            "Former employees",
            ("Administration that the law requires concerning former employees",),
        ),
    },
}


# Section 4 has no heading of its own for independent contractors and temporary agency
# staff (Section 6 lists what is collected about them); their purposes follow that list.
PURPOSES[R.CONTRACTOR] = {
    "ja": (
        "業務委託先の個人・派遣社員の方",
        (
            "業務の遂行に関するご連絡",
            "経費の支払、勤怠管理、労働安全衛生その他の管理",
            "入館証の作成及び入退館の管理",
            "緊急時のご連絡",
        ),
    ),
    "en": (
        "Independent contractors and temporary agency staff",
        (
            "Contacting you about your work",
            "Payment of expenses, attendance management, occupational health and safety and "
            "other administration",
            "Making identification cards and managing access to our premises",
            "Contacting you in an emergency",
        ),
    ),
}

Headed = list[tuple[str, tuple[str, ...]]]


def purpose_codes() -> list[str]:
    """Every purpose as a code, "<relationship>.<number>" (customer.3): what the data map
    stores for each system, so a notice lists exactly the purposes of the systems where the
    person was found."""
    return [
        f"{relationship}.{number}"
        for relationship, by_language in PURPOSES.items()
        for number in range(1, len(by_language["ja"][1]) + 1)
    ]


def purpose_choices(language: str) -> list[tuple[str, str]]:
    """(code, "heading: purpose") for every purpose, in the policy's order."""
    choices = []
    for relationship, by_language in PURPOSES.items():
        heading, purposes = by_language[language]
        for number, purpose in enumerate(purposes, start=1):
            choices.append((f"{relationship}.{number}", f"{heading}: {purpose}"))
    return choices


def purposes_for(relationships: Iterable[str], language: str) -> Headed:
    """The headed lists for a set of relationships; all of them when none is known."""
    held = [relationship for relationship in PURPOSES if relationship in set(relationships)]
    if not held:
        return [by_language[language] for by_language in PURPOSES.values()]
    return [PURPOSES[relationship][language] for relationship in held]


def purposes_by_codes(codes: Iterable[str], language: str) -> Headed:
    """Just the purposes named by these codes, under their headings, in the policy's order;
    an unknown code is left out."""
    wanted = set(codes)
    headed: Headed = []
    for relationship, by_language in PURPOSES.items():
        heading, purposes = by_language[language]
        chosen = tuple(
            purpose
            for number, purpose in enumerate(purposes, start=1)
            if f"{relationship}.{number}" in wanted
        )
        if chosen:
            headed.append((heading, chosen))
    return headed

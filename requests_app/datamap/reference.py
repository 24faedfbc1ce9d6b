"""The data map a new installation starts with: CMC's systems as its privacy policy describes
them (Sections 4, 6, 8-11). Seeded by a migration; managers and administrators edit it on the
data map's pages afterwards, and the seed never overwrites an edit.

Facts are the policy's: whose data (Section 4's parties, Section 6's contractors), the items
(Section 6), the purposes (Section 4, as codes of letters/purposes.py), subcontractors
(Section 8), the group (Section 9), third parties (Section 10) and abroad (Section 11). The
departments and retention periods are a sensible starting point for the office to correct.
"""

from __future__ import annotations

from typing import Any

# (name, English name)
DEPARTMENTS: list[tuple[str, str]] = [
    ("営業本部", "Sales Division"),
    ("マーケティング部", "Marketing Department"),
    ("経理部", "Finance Department"),
    ("総務部", "General Affairs Department"),
    ("人事部", "Human Resources Department"),
    ("情報システム部", "IT Department"),
]

ALL_KEYS = ["name", "name_kana", "date_of_birth", "address", "phone", "email"]


def _purposes(relationship: str, count: int) -> list[str]:
    return [f"{relationship}.{n}" for n in range(1, count + 1)]


CUSTOMER = _purposes("customer", 7)
BUSINESS = _purposes("business_contact", 4)

SYSTEMS: list[dict[str, Any]] = [
    {
        "name": "顧客管理データベース",
        "name_en": "Customer database",
        "department": "営業本部",
        "description": "製品・サービスをご利用のお客様の登録情報、契約及びご利用の状況。",
        "relationships": ["customer"],
        "search_keys": ALL_KEYS,
        "items": ["name", "home_contact", "work_contact", "work_duties"],
        "purposes": CUSTOMER,
        "retention": "最後の取引から5年",
        "subcontractors": "クラウドサービス事業者（データベースの運用・保守）",
        "shared_with_group": True,
    },
    {
        "name": "受注・請求記録",
        "name_en": "Orders and invoices",
        "department": "経理部",
        "description": "受注、請求、入金及び経費精算の記録。",
        "relationships": ["customer", "business_contact"],
        "search_keys": ["name", "name_kana", "address", "phone", "email"],
        "items": ["name", "work_contact", "home_contact", "bank", "work_duties"],
        "purposes": ["customer.2", "customer.6", "business_contact.2"],
        "retention": "法定の保存期間（7年）",
    },
    {
        "name": "メールマガジン・展示会来場者リスト",
        "name_en": "Newsletter and event visitor list",
        "department": "マーケティング部",
        "description": "メールマガジンの配信先、展示会・セミナーの来場登録及びアンケート回答。",
        "relationships": ["customer", "business_contact"],
        "search_keys": ["name", "name_kana", "phone", "email"],
        "items": ["name", "work_contact", "home_contact", "ict"],
        "purposes": ["customer.1", "customer.2", "customer.3", "customer.4", "business_contact.3"],
        "retention": "配信停止又は最後の来場から3年",
        "subcontractors": "メール配信サービス事業者",
        "shared_with_group": True,
        "third_parties": "展示会の共催企業（来場登録の際にご本人の同意を得た場合に限る）",
    },
    {
        "name": "取引先担当者名刺管理",
        "name_en": "Business partners' contacts (business cards)",
        "department": "営業本部",
        "description": "お取引先の担当者の名刺情報及び商談の記録。",
        "relationships": ["business_contact"],
        "search_keys": ["name", "name_kana", "phone", "email"],
        "items": ["name", "work_contact", "work_duties"],
        "purposes": BUSINESS,
        "retention": "最後の取引から3年",
        "subcontractors": "名刺管理クラウドサービス事業者",
        "shared_with_group": True,
    },
    {
        "name": "お問い合わせ対応記録",
        "name_en": "Inquiry records",
        "department": "営業本部",
        "description": "電話、電子メール及びWebフォームで受けたお問い合わせとその対応。",
        "relationships": ["customer", "business_contact", "other"],
        "search_keys": ["name", "name_kana", "phone", "email"],
        "items": ["name", "home_contact", "work_contact"],
        "purposes": ["customer.6", "business_contact.1"],
        "retention": "対応完了から3年",
    },
    {
        "name": "株主名簿",
        "name_en": "Shareholder register",
        "department": "総務部",
        "description": "株主及び投資家の方の氏名、住所、所有株式数及び配当金の振込先。",
        "relationships": ["investor"],
        "search_keys": ["name", "name_kana", "address"],
        "items": ["name", "home_contact", "shareholding", "bank", "my_number"],
        "purposes": ["investor.1"],
        "retention": "株主でなくなった後10年",
        "subcontractors": "株主名簿管理人（信託銀行）",
    },
    {
        "name": "人事・給与システム",
        "name_en": "Personnel and payroll",
        "department": "人事部",
        "description": "役員・従業員の人事、給与、勤怠、健康管理、家族及び緊急連絡先。",
        "relationships": ["employee", "employee_relation"],
        "search_keys": ["name", "name_kana", "date_of_birth", "address"],
        "items": [
            "name",
            "resume",
            "bank",
            "labour",
            "family",
            "emergency",
            "my_number",
            "passport_visa",
            "fidelity",
            "images",
        ],
        "purposes": _purposes("employee", 5) + _purposes("employee_relation", 2),
        "retention": "退職後5年（法定の保存期間がそれより長いものはその期間）",
        "subcontractors": "給与計算代行会社",
        "third_parties": "年金事務所、健康保険組合、税務署等（法令に基づく提供）",
    },
    {
        "name": "採用応募者ファイル",
        "name_en": "Job applicants' files",
        "department": "人事部",
        "description": "応募書類、選考及び面接の記録（人材紹介会社経由のものを含む）。",
        "relationships": ["job_applicant"],
        "search_keys": ["name", "name_kana", "date_of_birth", "phone", "email"],
        "items": ["name", "resume", "images", "bank"],
        "purposes": _purposes("job_applicant", 3),
        "retention": "選考終了から1年（採用された方は人事・給与システムへ移行）",
        "subcontractors": "採用管理システム提供事業者",
    },
    {
        "name": "退職者名簿",
        "name_en": "Retired employees",
        "department": "人事部",
        "description": "退職者に関する法令上必要な事務（源泉徴収票、年金等）のための記録。",
        "relationships": ["retired_employee"],
        "search_keys": ["name", "name_kana", "date_of_birth", "address"],
        "items": ["name", "home_contact", "labour", "my_number"],
        "purposes": ["retired_employee.1"],
        "retention": "退職後5年（法定の保存期間がそれより長いものはその期間）",
        "subcontractors": "給与計算代行会社",
        "third_parties": "税務署、市区町村等（法令に基づく提供）",
    },
    {
        "name": "業務委託・派遣スタッフ台帳",
        "name_en": "Contractors and temporary agency staff",
        "department": "人事部",
        "description": "個人の業務委託先及び派遣スタッフの契約、勤怠、入館証及び緊急連絡先。",
        "relationships": ["contractor"],
        "search_keys": ["name", "name_kana", "date_of_birth", "email"],
        "items": ["name", "resume", "labour", "images", "emergency", "work_duties"],
        "purposes": _purposes("contractor", 4),
        "retention": "契約終了から3年",
    },
    {
        "name": "入退館記録",
        "name_en": "Building access records",
        "department": "総務部",
        "description": "入館証による入退館の記録及び来訪者の受付記録。",
        "relationships": ["employee", "contractor", "business_contact", "customer"],
        "search_keys": ["name", "name_kana"],
        "items": ["name", "access_records", "images"],
        "purposes": ["employee.2", "contractor.3", "customer.6", "business_contact.1"],
        "retention": "1年",
        "subcontractors": "ビル管理会社",
    },
    {
        "name": "防犯カメラ映像",
        "name_en": "Security camera recordings",
        "department": "総務部",
        "description": (
            "本社の出入口等の防犯カメラの映像。特定の個人を検索できるよう整理されておらず、"
            "個人情報データベース等に当たらないため、開示等の請求の対象外。"
        ),
        "relationships": ["employee", "contractor", "business_contact", "customer", "other"],
        "search_keys": [],
        "items": ["images"],
        "purposes": ["employee.2", "contractor.3"],
        "retention": "30日（自動で上書き）",
        "subcontractors": "警備会社",
        "requests_apply": False,
    },
    {
        "name": "Webアクセスログ・Cookie",
        "name_en": "Web access logs and cookies",
        "department": "情報システム部",
        "description": "当社Webサイト及び会員向けサービスのアクセスログ、Cookie及び利用履歴。",
        "relationships": ["customer", "business_contact", "other"],
        "search_keys": ["email"],
        "items": ["ict"],
        "purposes": ["customer.3", "customer.5"],
        "retention": "13か月",
        "subcontractors": "アクセス解析サービス事業者",
        "shared_with_group": True,
        "abroad": "アクセス解析サービス事業者（米国）：Cookie、IPアドレス及び利用履歴",
    },
]


def seed_data_map(apps: Any = None) -> None:
    """Create the departments and systems that are missing, by name; never overwrite edits."""
    from django.apps import apps as global_apps

    registry = apps or global_apps
    department_model = registry.get_model("datamap", "Department")
    system_model = registry.get_model("datamap", "DataSystem")
    departments = {}
    for name, name_en in DEPARTMENTS:
        departments[name], _created = department_model.objects.get_or_create(
            name=name, defaults={"name_en": name_en}
        )
    for row in SYSTEMS:
        values = dict(row)
        name = values.pop("name")
        values["department"] = departments[values.pop("department")]
        system_model.objects.get_or_create(name=name, defaults=values)

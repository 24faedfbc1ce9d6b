"""Who the letters come from: the company and the Administration Division (the policy, §15)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Letterhead:
    company: str
    division: str
    desk: str
    postal_code: str
    address: str
    phone: str
    email: str


LETTERHEADS = {
    "ja": Letterhead(
        company="株式会社シーエムシー",
        division="管理本部",
        desk="個人情報お問い合わせ窓口",
        postal_code="460-0021",
        address="愛知県名古屋市中区平和一丁目1番19号",
        phone="052-322-3355",
        email="privacy@cmc.co.jp",
    ),
    "en": Letterhead(
        company="CMC Corporation",
        division="Administration Division",
        desk="Personal information inquiries",
        postal_code="460-0021",
        address="1-1-19 Heiwa, Naka-ku, Nagoya, Aichi",
        phone="052-322-3355",
        email="privacy@cmc.co.jp",
    ),
}


def letterhead(language: str) -> Letterhead:
    return LETTERHEADS[language]

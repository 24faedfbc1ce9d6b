"""Filters for the letter templates (print) and the letter pages.

Letters are rendered under `translation.override(letter.language)`, so choice labels come out
in the letter's language; dates and amounts are formatted the way each language prints them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template

from requests_app.choices import (
    AgentKind,
    DisclosureMethod,
    FeeForm,
    Outcome,
    RefusalGround,
    RequestKind,
)
from requests_app.letters.dates import letter_date
from requests_app.letters.kinds import LetterKind
from requests_app.letters.models import MailMethod

register = template.Library()

# 時候の挨拶: the seasonal opening of a formal letter, by month.
SEASONS_JA = {
    1: "厳寒の候",
    2: "余寒の候",
    3: "早春の候",
    4: "陽春の候",
    5: "新緑の候",
    6: "梅雨の候",
    7: "盛夏の候",
    8: "残暑の候",
    9: "初秋の候",
    10: "秋冷の候",
    11: "晩秋の候",
    12: "師走の候",
}
AGENT_KINDS: dict[str, dict[str, str]] = {
    "ja": {AgentKind.LEGAL_REPRESENTATIVE: "法定代理人", AgentKind.APPOINTED_AGENT: "任意代理人"},
    "en": {
        AgentKind.LEGAL_REPRESENTATIVE: "legal representative",
        AgentKind.APPOINTED_AGENT: "appointed agent",
    },
}


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        return date.fromisoformat(value)
    return None


@register.filter
def letterdate(value: Any, language: str) -> str:
    day = _day(value)
    return letter_date(day, language) if day else ""


@register.filter
def season_ja(value: Any) -> str:
    day = _day(value)
    return SEASONS_JA[day.month] if day else ""


@register.filter
def yen_ja(amount: Any) -> str:
    return f"{int(amount or 0):,}円"


@register.filter
def yen_en(amount: Any) -> str:
    return f"¥{int(amount or 0):,}"


@register.filter
def agent_kind_ja(value: str) -> str:
    return AGENT_KINDS["ja"].get(value, "代理人")


@register.filter
def agent_kind_en(value: str) -> str:
    return AGENT_KINDS["en"].get(value, "agent")


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@register.filter
def request_kind(value: str) -> str:
    return _label(RequestKind, value)


@register.filter
def outcome_name(value: str) -> str:
    return _label(Outcome, value)


@register.filter
def ground_name(value: str) -> str:
    return _label(RefusalGround, value)


@register.filter
def fee_form_name(value: str) -> str:
    return _label(FeeForm, value)


@register.filter
def disclosure_method_name(value: str) -> str:
    return _label(DisclosureMethod, value or DisclosureMethod.PAPER)


@register.filter
def letter_kind_name(value: str) -> str:
    return _label(LetterKind, value)


@register.filter
def mail_method_name(value: str) -> str:
    return _label(MailMethod, value)

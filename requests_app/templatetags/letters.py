"""Filters for the letter templates (print) and the letter pages.

Letters are rendered under `translation.override(letter.language)`, so choice labels come out
in the letter's language; dates and amounts are formatted the way each language prints them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from requests_app import outcomes
from requests_app.choices import (
    AgentKind,
    DisclosureMethod,
    FeeForm,
    RequestKind,
)
from requests_app.letters import address
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
def item_outcome(item: Any) -> str:
    """An item's outcome in its kind's terms ("Not disclosed", "Not corrected, …")."""
    return outcomes.outcome_label(item.get("kind", ""), item.get("outcome", ""))


@register.filter
def item_ground(item: Any) -> str:
    """The ground in the law's own words (in the letter's language)."""
    return outcomes.ground_label(item.get("kind", ""), item.get("ground", ""))


@register.filter
def item_article(item: Any) -> str:
    """The article the ground rests on: 法第33条第2項第2号 / Art. 33(2)(ii)."""
    return outcomes.ground_article(item.get("kind", ""), item.get("ground", ""))


@register.filter
def item_explanation(item: Any) -> str:
    """What the letter says besides the ground (e.g. the data was found accurate)."""
    ground = outcomes.find_ground(item.get("kind", ""), item.get("ground", ""))
    return str(ground.explanation) if ground and ground.explanation else ""


@register.filter
def kind_article(kind: str) -> str:
    rules = outcomes.KINDS.get(kind)
    return str(rules.article) if rules else ""


@register.filter
def postal(value: str) -> str:
    return address.postal_code(value or "")


def _tokens(tokens: Any) -> SafeString:
    return format_html_join(
        "",
        "{}",
        (
            (format_html('<span class="nb">{}</span>', token.text) if token.whole else token.text,)
            for token in tokens
        ),
    )


@register.filter
def window_address(value: str) -> SafeString:
    """The address for the window: normalised for print, numbers and the building never
    broken across lines, the building on a line of its own."""
    lines = address.address_lines(value or "")
    html = _tokens(lines.street)
    if lines.building:
        html = format_html('{}<br><span class="building">{}</span>', html, _tokens(lines.building))
    return mark_safe(html)  # noqa: S308  (built with format_html from escaped parts)


@register.filter
def salutation_name(recipient: Any) -> str:
    """How an English letter greets the person: "Ms Takahashi" when they gave a title (the
    family name: the first word of a Japanese name, the last of a name in Latin letters),
    otherwise the name with 様, as it is written in Japan."""
    name = str(recipient.get("name", "")).strip()
    title = recipient.get("title", "")
    if not title or not name:
        return f"{name} 様"
    words = name.split()
    family = words[-1] if name.isascii() else words[0]
    return f"{title} {family}"


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

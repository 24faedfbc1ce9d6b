"""Cleaning of free text typed by staff: what a name, kana, address or note may contain."""

from __future__ import annotations

import re
import unicodedata

import jaconv
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Invisible characters that would make two equal-looking names differ.
_ZERO_WIDTH = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_NAME_PUNCTUATION = frozenset(" \u3000・ー-'.,’")


# In notes and details an emoji sequence may join its parts with U+200D; names never.
_EMOJI_JOINER = "\u200d"


def _has_control(text: str, *, multiline: bool) -> bool:
    allowed = {"\n", "\r", "\t", _EMOJI_JOINER} if multiline else set()
    return any(unicodedata.category(ch) in {"Cc", "Cf"} and ch not in allowed for ch in text)


def clean_text(value: str, *, multiline: bool = False) -> str:
    """Refuse invisible and control characters; normalise line ends; trim."""
    invisible = _ZERO_WIDTH.search(value.replace(_EMOJI_JOINER, "") if multiline else value)
    if invisible:
        raise ValidationError(
            _("Remove the invisible (zero-width) characters from this text."), code="zero_width"
        )
    value = value.replace("\r\n", "\n")
    if _has_control(value, multiline=multiline):
        raise ValidationError(_("Remove the control characters from this text."), code="control")
    return value.strip()


def clean_name(value: str) -> str:
    """A person's name: letters (kanji, kana, Latin), spaces and a little punctuation."""
    value = clean_text(value)
    value = unicodedata.normalize("NFKC", value) if value.isascii() else value
    for ch in value:
        if ch in _NAME_PUNCTUATION:
            continue
        if not unicodedata.category(ch).startswith(("L", "M")):
            raise ValidationError(
                _("A name may contain only letters, spaces and “・”, “-” or “'” (found “%(ch)s”)."),
                code="name_character",
                params={"ch": ch},
            )
    return re.sub(r"[ \u3000]+", " ", value)


def clean_kana(value: str) -> str:
    """A name in kana, stored in full-width katakana (ひらがな is converted)."""
    value = clean_text(value)
    value = jaconv.h2z(unicodedata.normalize("NFKC", value), kana=True, digit=False, ascii=False)
    value = jaconv.hira2kata(value)
    for ch in value:
        if ch in " \u3000・ー":
            continue
        if not ("\u30a1" <= ch <= "\u30fa"):
            raise ValidationError(
                _("Write the name in kana only (katakana or hiragana; found “%(ch)s”)."),
                code="kana_character",
                params={"ch": ch},
            )
    return re.sub(r"[ \u3000]+", " ", value)


def clean_postal_code(value: str) -> str:
    digits = re.sub(r"[-‐－ー−\s]", "", unicodedata.normalize("NFKC", value))
    if not re.fullmatch(r"\d{7}", digits):
        raise ValidationError(
            _("Enter a postal code as seven digits, for example 460-0021."), code="postal_code"
        )
    return f"{digits[:3]}-{digits[3:]}"


def clean_phone(value: str) -> str:
    value = unicodedata.normalize("NFKC", clean_text(value))
    if value and not re.fullmatch(r"\+?[\d\-() ]{6,20}", value):
        raise ValidationError(
            _("Enter a telephone number with digits and hyphens, for example 052-322-3355."),
            code="phone",
        )
    return value


def clean_reference_number(value: str) -> str:
    value = unicodedata.normalize("NFKC", clean_text(value)).upper()
    if value and not re.fullmatch(r"[A-Z0-9\-]{4,32}", value):
        raise ValidationError(
            _("Enter the number printed on the mail label (letters, digits and hyphens)."),
            code="mail_number",
        )
    return value

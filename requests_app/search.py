"""Finding a case however staff type it: one normalised search text per case.

Staff search by a name with a full-width space, a half-width one or none; by the reading in
katakana, hiragana or half-width katakana; by a variant kanji (髙/高, 邊/辺: the identity
rules' table); by a telephone number's digits, a postal code with or without its hyphen, a
registered-mail or tracking number, a fragment of the address, or a reference number.

Each case stores `search_text`: its fields, each normalised the way a search term is, one
per line. The services keep it current (`refresh_search_text`, in the transaction of the
change); a search term is normalised the same ways and matched as a substring of that text.
On PostgreSQL a trigram index (pg_trgm, GIN) answers the substring search for terms of three
characters or more; a shorter term (a two-kanji family name such as 山田 is common) cannot
use a trigram index, so it is matched by a scan of the one search column, which `make bench`
measures (`case_search_short`). On SQLite the same column works without an index.

References are matched on their number, not as a substring: `55` and `000055` find
2026-000055 and 2025-000055, `2026-55` finds 2026-000055 only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from identity.names import address_key, kana_key, name_key

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    from requests_app.models import Case

SEPARATOR = "\n"
# A reference typed by its number: "55", "000055", or with the year, "2026-55".
_NUMBER_ONLY = re.compile(r"^\d{1,6}$")
_YEAR_AND_NUMBER = re.compile(r"^(\d{4})-(\d{1,6})$")
# A term made of digits and the separators people type in telephone and postal numbers.
_NUMBER_LIKE = re.compile(r"^[\d\s\-‐‑‒–—―−ー()+]+$")
_NOT_DIGIT = re.compile(r"\D")
_NOT_ALNUM = re.compile(r"[^0-9a-z]")
# Long enough that a run of digits is a telephone, postal or tracking number, not a
# reference number or a house number.
MIN_NUMBER_DIGITS = 7


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def text_key(text: str) -> str:
    """A name, reading or free text as it is stored and searched: NFKC, no spaces, kana as
    katakana, variant kanji in their common form, Latin letters in lower case."""
    return name_key(text).lower()


def digits(text: str) -> str:
    return _NOT_DIGIT.sub("", _nfkc(text))


def code_key(text: str) -> str:
    """Registered-mail and tracking numbers: letters and digits only, lower case."""
    return _NOT_ALNUM.sub("", _nfkc(text).lower())


@dataclass(frozen=True)
class Field:
    """One searchable fact of a case, with the label a result shows for "why it matched"."""

    label: _StrPromise
    key: str


def case_fields(case: Case, tracking_numbers: Iterable[str] = ()) -> list[Field]:
    """What a case can be found by, each normalised as it is stored."""
    person = case.requester
    fields = [
        Field(_("Name"), text_key(person.name)),
        Field(_("Reading"), kana_key(person.name_kana).lower()),
        Field(_("Address"), text_key(address_key(person.address))),
        Field(_("Postal code"), digits(person.postal_code)),
        Field(_("Telephone"), digits(person.phone)),
        Field(_("E-mail"), _nfkc(person.email).lower()),
        Field(_("Registered mail number"), code_key(case.registered_mail_number)),
    ]
    if case.agent_name:
        fields += [
            Field(_("Agent's name"), text_key(case.agent_name)),
            Field(_("Agent's reading"), kana_key(case.agent_name_kana).lower()),
            Field(_("Agent's address"), text_key(address_key(case.agent_address))),
        ]
    fields += [Field(_("Tracking number"), code_key(number)) for number in tracking_numbers]
    return [field for field in fields if field.key]


def search_text_for(case: Case, tracking_numbers: Iterable[str] = ()) -> str:
    return SEPARATOR.join(field.key for field in case_fields(case, tracking_numbers))


def refresh_search_text(case: Case) -> None:
    """Store the case's search text afresh; called by the services that change what it is
    made of (intake, corrected details, a letter's tracking number), in their transaction."""
    tracking = case.letters.exclude(tracking_number="").values_list("tracking_number", flat=True)
    text = search_text_for(case, tracking)
    if text != case.search_text:
        case.search_text = text
        type(case).objects.filter(pk=case.pk).update(search_text=text)


@dataclass(frozen=True)
class Term:
    """A search term in every form it can match: as text, as an address, as digits, as a
    reference number."""

    raw: str
    keys: tuple[str, ...]
    reference: Q | None

    @classmethod
    def parse(cls, raw: str) -> Term:
        cleaned = _nfkc(raw).strip()
        keys: list[str] = []
        reference = _reference_q(cleaned)
        if _NUMBER_LIKE.match(cleaned):
            number = digits(cleaned)
            if len(number) >= MIN_NUMBER_DIGITS:
                keys.append(number)
            elif reference is None and number:
                # A short number that is not a reference (e.g. "1-1-19"): an address piece.
                keys.append(text_key(address_key(cleaned)))
        else:
            candidates = [text_key(cleaned), text_key(address_key(cleaned))]
            code = code_key(cleaned)
            if len(code) >= MIN_NUMBER_DIGITS:  # e.g. a tracking number typed with letters
                candidates.append(code)
            keys = [key for key in dict.fromkeys(candidates) if key]
        return cls(raw=raw, keys=tuple(keys), reference=reference)

    def q(self) -> Q:
        """The cases this term finds: references by number, everything else by substring."""
        condition = Q(pk__in=[])
        if self.reference is not None:
            condition |= self.reference
        for key in self.keys:
            condition |= Q(search_text__contains=key)
        return condition

    def reasons(self, case: Case, tracking_numbers: Iterable[str] = ()) -> list[str]:
        """Why `case` matched, as labels for the result list (the reference first)."""
        found: list[str] = []
        if self.reference is not None and _reference_matches(case.reference, self.raw):
            found.append(str(_("Reference number")))
        for field in case_fields(case, tracking_numbers):
            label = str(field.label)
            if label not in found and any(key and key in field.key for key in self.keys):
                found.append(label)
        return found


def _reference_q(cleaned: str) -> Q | None:
    if _NUMBER_ONLY.match(cleaned):
        return Q(reference__endswith=f"-{int(cleaned):06d}")
    found = _YEAR_AND_NUMBER.match(cleaned)
    if found:
        return Q(reference=f"{found.group(1)}-{int(found.group(2)):06d}")
    return None


def _reference_matches(reference: str, raw: str) -> bool:
    cleaned = _nfkc(raw).strip()
    year, _dash, number = reference.partition("-")
    if _NUMBER_ONLY.match(cleaned):
        return int(number) == int(cleaned)
    found = _YEAR_AND_NUMBER.match(cleaned)
    return bool(found and found.group(1) == year and int(found.group(2)) == int(number))

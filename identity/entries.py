"""What staff type about a document or a guardian, and everything that can be wrong with it.

Pure checks over the entry and the facts of its case: the form asks them to show the error
at its field, and the service asks them again before it saves, so both refuse the same
things.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from identity.choices import Holder, Masking
from identity.gate import guardian_of, needs_guardian
from identity.models import DocumentType, MaskingConfirmation
from identity.rules import MINOR_AGE
from requests_app.permissions import Capability, has_capability

if TYPE_CHECKING:
    from requests_app.models import Case

ADULT_AGE = 18


@dataclass(frozen=True)
class DocumentEntry:
    """What staff read off one copy in the envelope (本人確認書類の記録)."""

    document_type: DocumentType
    received_on: date
    holder: str = Holder.REQUESTER
    name_shown: str = ""
    name_kana_shown: str = ""
    date_of_birth_shown: date | None = None
    address_shown: str = ""
    issued_on: date | None = None
    expires_on: date | None = None
    maskings: tuple[str, ...] = ()
    masking_method: str = MaskingConfirmation.Method.MASKED_BY_STAFF
    masked_by: Any = None
    destroyed_at_once: bool = False
    paper_location: str = ""

    @property
    def required_maskings(self) -> list[str]:
        return list(self.document_type.required_maskings)

    @property
    def is_card_back(self) -> bool:
        return self.document_type.is_card_back

    @property
    def open_maskings(self) -> list[str]:
        return [m for m in self.required_maskings if m not in self.maskings]


@dataclass(frozen=True)
class CaseContext:
    """The facts of the case an entry is checked against."""

    arrival_date: date
    has_agent: bool
    has_guardian: bool

    @classmethod
    def of(cls, case: Case) -> CaseContext:
        return cls(
            arrival_date=case.arrival_date,
            has_agent=case.has_agent,
            has_guardian=guardian_of(case) is not None,
        )


def _holder_problems(entry: DocumentEntry, context: CaseContext, add: Any) -> None:
    if entry.holder not in Holder.values:
        add("holder", _("Choose whose document this is."))
    elif entry.holder == Holder.AGENT and not context.has_agent:
        add(
            "holder",
            _(
                "This case has no agent, so a document of an agent cannot be logged. If an agent "
                "makes the request, correct the case details first."
            ),
        )
    elif entry.holder == Holder.GUARDIAN and not context.has_guardian:
        add(
            "holder",
            _(
                "No parent or guardian is recorded on this case. Record them first (only a "
                "requester under 16 needs one)."
            ),
        )


# Everything that could be typed off a copy: none of it is copied from the back of a
# My Number card (it shows the My Number, which may not be collected).
_SHOWN_FIELDS = (
    "name_shown",
    "name_kana_shown",
    "date_of_birth_shown",
    "address_shown",
    "issued_on",
    "expires_on",
)


def _card_back_problems(entry: DocumentEntry, *, has_scan: bool, add: Any) -> None:
    for name in _SHOWN_FIELDS:
        if getattr(entry, name):
            add(
                name,
                _(
                    "Nothing is copied from the back of a My Number card: leave this empty. "
                    "The back shows the My Number, which may not be collected."
                ),
            )
    if entry.maskings:
        add("maskings", _("The back of a My Number card is destroyed at once, not masked."))
    if has_scan:
        add("scan", _("The back of a My Number card is never scanned or stored."))


def entry_problems(
    entry: DocumentEntry, context: CaseContext, *, has_scan: bool = False
) -> dict[str, list[str]]:
    """Everything wrong with an entry, by form field; empty when it may be saved."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    kind = entry.document_type
    today = timezone.localdate()
    if entry.received_on > today:
        add("received_on", _("The date received cannot be in the future."))
    elif entry.received_on < context.arrival_date:
        add(
            "received_on",
            _("A document cannot arrive before the request itself (arrival date %(date)s).")
            % {"date": context.arrival_date.isoformat()},
        )
    _holder_problems(entry, context, add)
    if entry.is_card_back:
        _card_back_problems(entry, has_scan=has_scan, add=add)
        return problems
    if kind.is_identity_document:
        if not entry.name_shown.strip():
            add("name_shown", _("Enter the name exactly as the copy shows it."))
        if entry.date_of_birth_shown is None:
            add("date_of_birth_shown", _("Enter the date of birth the copy shows."))
        if kind.shows_address and not entry.address_shown.strip():
            add("address_shown", _("Enter the address exactly as the copy shows it."))
    if entry.date_of_birth_shown and entry.date_of_birth_shown > today:
        add("date_of_birth_shown", _("The date of birth cannot be in the future."))
    if entry.address_shown.strip() and not kind.shows_address:
        add(
            "address_shown",
            _("A %(type)s does not prove an address: leave the address empty.")
            % {"type": kind.name},
        )
    if kind.expires and entry.expires_on is None:
        add("expires_on", _("Enter the expiry date the copy shows."))
    if kind.max_age_months and entry.issued_on is None:
        add("issued_on", _("Enter the date the certificate was issued."))
    if entry.issued_on and entry.issued_on > entry.received_on:
        add("issued_on", _("A document cannot be issued after it arrived."))
    if entry.issued_on and entry.expires_on and entry.expires_on < entry.issued_on:
        add("expires_on", _("The expiry date is before the issue date."))
    required = entry.required_maskings
    not_applicable = [m for m in entry.maskings if m not in required]
    if not_applicable:
        labels = dict(Masking.choices)
        add(
            "maskings",
            _("Not required for this document: %(maskings)s.")
            % {"maskings": ", ".join(str(labels.get(m, m)) for m in not_applicable)},
        )
    if entry.maskings and entry.masked_by is None:
        add("masked_by", _("Name the member of staff who confirmed the masking."))
    if entry.masked_by is not None and not has_capability(entry.masked_by, Capability.WORK_CASES):
        add("masked_by", _("Maskings are confirmed by staff or managers."))
    if entry.masking_method not in MaskingConfirmation.Method.values:
        add("masking_method", _("Choose how the masking was done."))
    if not entry.destroyed_at_once and not entry.paper_location.strip():
        add(
            "paper_location",
            _("Say where the paper copy is kept, or record that it was destroyed at once."),
        )
    if has_scan:
        if entry.destroyed_at_once:
            add("scan", _("A copy destroyed at once cannot have a scan."))
        elif entry.open_maskings:
            labels = dict(Masking.choices)
            add(
                "scan",
                _("A scan can be stored only once every masking is confirmed (open: %(open)s).")
                % {"open": ", ".join(str(labels[m]) for m in entry.open_maskings)},
            )
    return problems


@dataclass(frozen=True)
class GuardianData:
    relationship: str
    name: str
    name_kana: str
    date_of_birth: date
    postal_code: str
    address: str
    consent_received_on: date | None = None


GUARDIAN_FIELDS = tuple(GuardianData.__dataclass_fields__)


def guardian_problems(data: GuardianData, case: Case) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    today = timezone.localdate()
    if not needs_guardian(case):
        problems.setdefault("__all__", []).append(
            _(
                "The requester was %(age)s or over on the arrival date: no parent's or "
                "guardian's consent is needed."
            )
            % {"age": MINOR_AGE}
        )
    born = data.date_of_birth
    arrival = case.arrival_date
    age = arrival.year - born.year - ((arrival.month, arrival.day) < (born.month, born.day))
    if born > today:
        problems.setdefault("date_of_birth", []).append(
            _("The date of birth cannot be in the future.")
        )
    elif age < ADULT_AGE:
        problems.setdefault("date_of_birth", []).append(
            _("A parent or guardian must be %(age)s or over on the arrival date.")
            % {"age": ADULT_AGE}
        )
    consent = data.consent_received_on
    if consent and consent > today:
        problems.setdefault("consent_received_on", []).append(
            _("The date received cannot be in the future.")
        )
    elif consent and consent < arrival:
        problems.setdefault("consent_received_on", []).append(
            _("The consent cannot arrive before the request itself (arrival date %(date)s).")
            % {"date": arrival.isoformat()}
        )
    return problems

"""Identity's part of the case page: the rules with their outcome, the documents received
with their maskings, the guardian of a minor, and the forms to log what arrived."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from identity import retention, selectors, services
from identity.choices import Masking
from identity.forms import GuardianForm, MaskingForm, ReceivedDocumentForm, WithdrawForm
from identity.gate import Verdict, documents_of, evaluate_case, guardian_of, needs_guardian
from identity.models import MaskingConfirmation, ReceivedDocument
from requests_app.models import Case
from requests_app.permissions import Capability, has_capability
from requests_app.selectors import workers


@dataclass
class DocumentRow:
    """One document as the case page shows it."""

    document: ReceivedDocument
    confirmed: list[MaskingConfirmation]
    open_maskings: list[str]
    masking_form: MaskingForm | None = None
    withdraw_form: WithdrawForm | None = None
    masking_labels: dict[str, str] = field(default_factory=dict)

    @property
    def open_masking_labels(self) -> list[str]:
        return [self.masking_labels[code] for code in self.open_maskings]


def _rows(
    case: Case,
    documents: list[ReceivedDocument],
    user: Any,
    *,
    can_work: bool,
    people: list[Any] | None,
) -> list[DocumentRow]:
    labels = {code: str(label) for code, label in Masking.choices}
    rows = []
    for document in documents:
        confirmed = list(document.maskings.all())
        done = {confirmation.masking for confirmation in confirmed}
        copy_exists = not (
            document.is_withdrawn or document.destroyed_at_once or document.copies_destroyed_on
        )
        open_maskings = [m for m in document.required_maskings if m not in done and copy_exists]
        row = DocumentRow(
            document=document,
            confirmed=confirmed,
            open_maskings=open_maskings,
            masking_labels=labels,
        )
        if can_work and case.is_open and not document.is_withdrawn:
            row.withdraw_form = WithdrawForm(document=document)
            if open_maskings:
                row.masking_form = MaskingForm(document=document, user=user, people=people)
        rows.append(row)
    return rows


def case_section(case: Case, user: Any, forms: Mapping[str, Any]) -> dict[str, Any]:
    """What templates/identity/_case_section.html needs (fixed number of queries)."""
    can_work = has_capability(user, Capability.WORK_CASES)
    documents = documents_of(case)
    verdict: Verdict = evaluate_case(case)
    collecting = case.state in services.DOCUMENT_STATES
    # The people a masking can be confirmed by, read once for every form on the page.
    people = list(workers()) if can_work and case.is_open else None
    guardian = guardian_of(case)
    minor = needs_guardian(case)
    context: dict[str, Any] = {
        "identity": verdict,
        "identity_rows": _rows(case, documents, user, can_work=can_work, people=people),
        "identity_minor": minor,
        "identity_age": case.requester.age_on(case.arrival_date),
        "identity_guardian": guardian,
        "identity_destruction_date": retention.destruction_date(case),
        "identity_retention_months": retention.retention_months(),
        # Verified on documents, but a later change (a withdrawal) means the rules fail now.
        "identity_result_changed": (
            not collecting and case.is_open and bool(documents) and not verdict.passed
        ),
        "can_see_scans": has_capability(user, Capability.WORK_CASES),
    }
    changed = context["identity_result_changed"]
    context["identity_fold"] = {
        "count": sum(1 for document in documents if not document.is_withdrawn),
        # Open while documents are checked or awaited, or when the verdict changed since.
        "open": (collecting and case.is_open) or changed,
    }
    if can_work and case.is_open and collecting:
        document_types = selectors.active_types()
        context["document_form"] = ReceivedDocumentForm(
            case=case, user=user, people=people, document_types=document_types
        )
        # Open while documents are still wanted; folded away once every rule passes.
        context["document_form_open"] = not verdict.passed
        context["document_types"] = document_types
        if minor:
            context["guardian_form"] = GuardianForm.for_case(case, guardian)
    return context

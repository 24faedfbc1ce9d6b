"""The core's part of the case page: the request, its items and outcomes, the deadline, the
fee, notes, assignment, the next steps and the timeline.

Each area of the app offers its own section of the case page (identity.sections,
letters.sections, exports.sections); `case_page.case_page_context` puts them together.
A section is a function of the case, the user and the bound forms of a failed post (to show
again with their errors), returning its part of the template context.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from requests_app import selectors
from requests_app.business_calendar import load_calendar
from requests_app.choices import CaseState
from requests_app.forms import (
    ArrivalForm,
    AssignForm,
    ExtensionForm,
    FeePaymentForm,
    NoteForm,
    OutcomeForm,
    TransitionForm,
    WrittenRequestForm,
)
from requests_app.models import Case
from requests_app.permissions import Capability, has_capability


def case_section(case: Case, user: Any, forms: Mapping[str, Any]) -> dict[str, Any]:
    can_work = has_capability(user, Capability.WORK_CASES)
    context: dict[str, Any] = {
        "case": case,
        "items": list(case.items.all()),
        "actions": selectors.case_actions(case, user),
        "timeline": selectors.case_timeline(case),
        "access_log": selectors.case_access_log(case),
        "can_work": can_work,
        "transition_form": TransitionForm(initial={"expected_state": case.state}),
    }
    context.update(_deadline_context(case, context))
    # Each section folds, with its count in the heading; open when it is the work of the
    # moment (the page opens a folded section when its anchor is followed or a form in it
    # has errors: static/js/casepage.js).
    context["fold"] = {
        "items": {"count": len(context["items"]), "open": True},
        "fee": {"count": len(case.fee_payments.all()), "open": case.fee_shortfall > 0},
        "notes": {"count": len(case.notes.all()), "open": False},
        "timeline": {"count": len(context["timeline"]), "open": False},
    }
    if can_work and case.is_open:
        context.update(
            note_form=NoteForm(),
            assign_form=AssignForm(
                initial={"assignee": case.assignee_id}, people=list(selectors.workers())
            ),
            outcome_forms={
                item.pk: OutcomeForm(
                    item=item,
                    prefix=f"item{item.pk}",
                    initial={
                        "outcome": item.outcome or None,
                        "refusal_ground": item.refusal_ground,
                        "reasons": item.reasons,
                        "measure": item.measure,
                    },
                )
                for item in context["items"]
            }
            if case.state == CaseState.IN_PROGRESS
            else {},
            # Money usually arrives with the letter: the day it is logged is the default.
            fee_form=FeePaymentForm(initial={"received_on": timezone.localdate()})
            if case.fee_due
            else None,
            arrival_form=forms.get("arrival_form")
            or ArrivalForm(initial={"expected_state": case.state}),
            written_request_form=forms.get("written_request_form")
            or WrittenRequestForm(initial={"expected_state": case.state})
            if case.state == CaseState.AWAITING_WRITTEN_REQUEST
            else None,
        )
    return context


def _deadline_context(case: Case, context: dict[str, Any]) -> dict[str, Any]:
    calendar, today = load_calendar(), timezone.localdate()
    extension = next((a for a in context["actions"] if a.name == "extend_deadline"), None)
    return {
        "calendar": calendar,
        "today": today,
        "deadline": selectors.deadline_panel(
            case, context["timeline"], calendar=calendar, today=today
        ),
        "extension_action": extension,
        "extension_form": ExtensionForm(
            initial={"expected_state": case.state}, case=case, calendar=calendar
        )
        if extension is not None and extension.enabled
        else None,
    }

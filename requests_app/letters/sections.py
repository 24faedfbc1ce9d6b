"""The letters' part of the case page: the register of the case's letters with what this
user may do with each, what the reply still needs, and the forms for what the letters say."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from requests_app.choices import CaseState, Channel, RequestKind
from requests_app.letters import kinds, rules, selectors, services
from requests_app.letters.forms import (
    ChangeForm,
    DisclosedRecordsForm,
    GuideEmailForm,
    LetterRequestForm,
)
from requests_app.models import Case
from requests_app.permissions import Capability, has_capability


def case_section(case: Case, user: Any, forms: Mapping[str, Any]) -> dict[str, Any]:
    """What templates/letters/_case_section.html shows, in a fixed number of queries.

    `forms` may hold the bound form of a failed post: "letter_form", or "letters_item_form"
    as (item id, form) for the data found or the change made on one item."""
    can_work = has_capability(user, Capability.WORK_CASES)
    letters = selectors.case_letters(case)
    items = selectors.case_items_with_records(case)
    editable = can_work and case.state in services.RECORD_STATES
    # The records of provision (Art. 33(5)) come from the register (the data map's section).
    record_items = [item for item in items if item.kind == RequestKind.DISCLOSURE]
    change_items = [item for item in items if item.kind in kinds.CHANGE_REQUEST_KINDS]
    bound_item = forms.get("letters_item_form")
    context: dict[str, Any] = {
        "letter_rows": selectors.letter_rows(case, letters, user, items),
        "record_items": record_items,
        "change_items": change_items,
        "records_editable": editable,
        "record_forms": {
            item.pk: bound_item[1]
            if bound_item and bound_item[0] == item.pk
            else DisclosedRecordsForm(prefix=f"records{item.pk}")
            for item in record_items
        }
        if editable
        else {},
        "change_forms": {
            item.pk: bound_item[1]
            if bound_item and bound_item[0] == item.pk
            else ChangeForm(prefix=f"change{item.pk}")
            for item in change_items
        }
        if editable
        else {},
        "reply_blockers": rules.reply_letter_blockers(case)
        if case.state in kinds.DECIDED_STATES
        else [],
    }
    offered = selectors.available_kinds(case) if can_work else []
    if offered:
        context["letter_form"] = forms.get("letter_form") or LetterRequestForm(
            kinds=offered, initial={"kind": selectors.suggested_kind(case, offered, letters)}
        )
    # A request by e-mail that must be made by post is answered by e-mail: the guide's text.
    if case.state == CaseState.AWAITING_WRITTEN_REQUEST and case.channel == Channel.EMAIL:
        context["guide_emails"] = selectors.guide_emails(case)
        context["guide_email_form"] = (
            forms.get("guide_email_form") or GuideEmailForm() if can_work else None
        )
    context["letters_fold"] = {
        "count": len(letters),
        "open": case.is_open and bool(letters or offered),
    }
    context["letter_content_fold"] = {
        "count": sum(
            len(item.disclosed_records.all()) + len(item.changes.all())
            for item in (*record_items, *change_items)
        ),
        "open": editable,
    }
    return context

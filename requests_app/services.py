"""Writes: one function per business event. Views, admin, tasks and commands call these.

Every transition service takes the same steps (STYLE.md): one transaction; lock the case row;
check that the case is still in the state the user saw, the user's capability and the
transition's guards; transition; save; append the audit entry; and only after commit, the
side effects (e-mail, letters, tasks), so a failed side effect never undoes a decision.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from identity.gate import evaluate_case
from requests_app import audit, deadlines, files, queue
from requests_app.business_calendar import load_calendar
from requests_app.choices import (
    FEE_KINDS,
    HELD_STATES,
    OPEN_STATES,
    WAITING_ON_REQUESTER_STATES,
    WRITTEN_REQUEST_KINDS,
    CaseState,
    Channel,
    FeeForm,
    MailType,
    RequestKind,
)
from requests_app.datamap.rules import outcome_conflicts
from requests_app.errors import (
    InvalidInput,
    NotPermitted,
    ServiceError,
    StaleState,
    TransitionBlocked,
)
from requests_app.letters.rules import reply_sent_on
from requests_app.models import (
    Case,
    FeePayment,
    Note,
    ReferenceCounter,
    Requester,
    RequestItem,
    UserPreference,
    transition_for,
)
from requests_app.outcomes import Review, decision_problems, single_ground
from requests_app.permissions import Capability, has_capability, require
from requests_app.search import refresh_search_text
from requests_app.validators import relationships_validator
from requests_app.workflow import actor_blockers, blockers_for

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

# --- transitions -------------------------------------------------------------------------


def _run_transition(
    *,
    case: Case,
    actor: User,
    name: str,
    expected_state: str | None = None,
    reason: str = "",
    payload: Mapping[str, Any] | None = None,
    arguments: Mapping[str, Any] | None = None,
    extra_fields: Sequence[str] = (),
) -> Case:
    reason = reason.strip()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        seen_state = expected_state or case.state
        if locked.state != seen_state:
            raise StaleState(
                _(
                    "This case was changed by someone else while you were looking at it: it is "
                    "now “%(state)s”. Nothing was changed; please check the case and try again."
                )
                % {"state": locked.get_state_display()}
            )
        chosen = transition_for(locked, name)
        if chosen is None:
            raise TransitionBlocked(
                _("“%(state)s” cannot move on this way.") % {"state": locked.get_state_display()}
            )
        if not chosen.has_perm(locked, actor):
            raise NotPermitted()
        if chosen.custom.get("reason") == "required" and not reason:
            raise InvalidInput(_("Please give a reason for this step."))
        blockers = actor_blockers(locked, chosen, actor) + blockers_for(locked, chosen.conditions)
        if blockers:
            raise TransitionBlocked(
                _("“%(label)s” is not possible yet:") % {"label": chosen.custom["label"]},
                details=blockers,
            )
        from_state = locked.state
        getattr(locked, name)(**(arguments or {}))
        locked.save(update_fields=["state", "updated_at", *extra_fields])
        audit.record(
            action=chosen.custom["action"],
            actor=actor,
            case=locked,
            from_state=from_state,
            to_state=locked.state,
            reason=reason,
            payload=payload,
        )
        deadlines.refresh_due_date(locked)
        _remind_after_commit(locked.pk)
    return locked


def _remind_after_commit(case_id: int) -> None:
    """After a change to a case: send what it calls for today, if anything (at most once).
    A broker that is down costs nothing: the deadline sweep finds the case again."""
    queue.publish_on_commit(queue.SEND_CASE_REMINDERS, case_id, timezone.localdate().isoformat())


def case_begin_identity_check(
    *, case: Case, actor: User, expected_state: str | None = None, reason: str = ""
) -> Case:
    return _run_transition(
        case=case,
        actor=actor,
        name="begin_identity_check",
        expected_state=expected_state,
        reason=reason,
    )


def case_verify_identity(
    *, case: Case, actor: User, expected_state: str | None = None, reason: str = ""
) -> Case:
    verdict = evaluate_case(case)
    rules = {result.code: result.passed for result in verdict.results}
    return _run_transition(
        case=case,
        actor=actor,
        name="verify_identity",
        expected_state=expected_state,
        reason=reason,
        payload={"rules": rules},
    )


def case_record_request_mailed(
    *, case: Case, actor: User, asked_on: date, letter_number: str, completion: str = ""
) -> Case:
    """A request to the person (missing documents, the fee, or the completion of the request,
    補正) was mailed on `asked_on`: from that day the case waits on them and the deadline
    clock pauses. Called when the request letter is recorded as mailed; a request mailed
    while the case already waits, or with nothing to wait for, changes nothing.
    """
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        payload = {"asked_on": asked_on.isoformat(), "letter_number": letter_number}
        if locked.state == CaseState.AWAITING_IDENTITY:
            return _run_transition(
                case=locked, actor=actor, name="request_documents", payload=payload
            )
        if locked.state == CaseState.IDENTITY_VERIFIED and locked.fee_shortfall > 0:
            return _run_transition(
                case=locked,
                actor=actor,
                name="request_fee",
                payload={**payload, "fee_due": locked.fee_due, "shortfall": locked.fee_shortfall},
            )
        if locked.state == CaseState.IN_PROGRESS and completion.strip():
            return _run_transition(
                case=locked,
                actor=actor,
                name="request_completion",
                reason=completion,
                payload=payload,
            )
    return locked


def _check_arrival(case: Case, received_on: date) -> None:
    if received_on > timezone.localdate():
        raise InvalidInput(_("The date it arrived cannot be in the future."))
    if case.waiting_since is not None and received_on < case.waiting_since:
        raise InvalidInput(
            _("It cannot have arrived before the request was mailed (%(day)s).")
            % {"day": case.waiting_since.isoformat()}
        )


def _run_arrival(
    *,
    case: Case,
    actor: User,
    name: str,
    received_on: date,
    expected_state: str | None,
    reason: str,
) -> Case:
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        _check_arrival(locked, received_on)
        return _run_transition(
            case=locked,
            actor=actor,
            name=name,
            expected_state=expected_state or case.state,
            reason=reason,
            # The day staff enter is the one that counts: the clock runs again the day after.
            payload={"received_on": received_on.isoformat()},
        )


def case_receive_documents(
    *,
    case: Case,
    actor: User,
    received_on: date,
    expected_state: str | None = None,
    reason: str = "",
) -> Case:
    """What the person was asked for arrived on `received_on`; staff check it again."""
    return _run_arrival(
        case=case,
        actor=actor,
        name="receive_documents",
        received_on=received_on,
        expected_state=expected_state,
        reason=reason,
    )


def case_start_work(
    *, case: Case, actor: User, expected_state: str | None = None, reason: str = ""
) -> Case:
    """Identity verified and the fee settled: work starts. After a wait for the fee, the day
    the last payment arrived (as staff recorded it) ends the wait."""
    payload: dict[str, Any] = {}
    if case.state == CaseState.AWAITING_FEE:
        last = case.fee_payments.order_by("-received_on").first()
        if last is not None:
            payload["received_on"] = last.received_on.isoformat()
    return _run_transition(
        case=case,
        actor=actor,
        name="start_work",
        expected_state=expected_state,
        reason=reason,
        payload=payload or None,
    )


def case_receive_completion(
    *,
    case: Case,
    actor: User,
    received_on: date | None = None,
    expected_state: str | None = None,
    reason: str = "",
) -> Case:
    """The person's completion of the request (補正) arrived on `received_on`."""
    return _run_arrival(
        case=case,
        actor=actor,
        name="receive_completion",
        received_on=received_on or timezone.localdate(),
        expected_state=expected_state,
        reason=reason,
    )


def case_take_up_inquiry(
    *, case: Case, actor: User, expected_state: str | None = None, reason: str = ""
) -> Case:
    """An inquiry, opinion or complaint by telephone, e-mail or in person: work starts
    without identity documents (workflow.INQUIRY_WITHOUT_DOCUMENTS says when)."""
    return _run_transition(
        case=case,
        actor=actor,
        name="take_up_inquiry",
        expected_state=expected_state,
        reason=reason,
        payload={"channel": case.channel},
    )


def case_receive_written_request(
    *,
    case: Case,
    actor: User,
    arrival_date: date,
    postmark_date: date | None = None,
    mail_type: str = MailType.ORDINARY,
    registered_mail_number: str = "",
    expected_state: str | None = None,
    reason: str = "",
) -> Case:
    """The written request of a person who first telephoned, e-mailed or called in arrived by
    post on `arrival_date`: the request is now made by the published method (Art. 37(1)), and
    its deadline and Art. 39 date count from that day (deadlines.py)."""
    if arrival_date > timezone.localdate():
        raise InvalidInput(_("The arrival date cannot be in the future."))
    if postmark_date and postmark_date > arrival_date:
        raise InvalidInput(_("The postmark cannot be later than the arrival date."))
    if mail_type not in MailType.values:
        raise InvalidInput(_("Choose how the letter came."))
    with transaction.atomic():
        locked = _run_transition(
            case=case,
            actor=actor,
            name="receive_written_request",
            expected_state=expected_state,
            reason=reason,
            payload={
                "received_on": arrival_date.isoformat(),
                "arrival_date": arrival_date.isoformat(),
                "postmark_date": postmark_date.isoformat() if postmark_date else None,
                "mail_type": mail_type,
                "registered_mail_number": registered_mail_number,
                "first_contact": _contact_day(case),
            },
            arguments={
                "arrival_date": arrival_date,
                "postmark_date": postmark_date,
                "mail_type": mail_type,
                "registered_mail_number": registered_mail_number,
            },
            extra_fields=("arrival_date", "postmark_date", "mail_type", "registered_mail_number"),
        )
        refresh_search_text(locked)
    return locked


def _contact_day(case: Case) -> str | None:
    return timezone.localdate(case.contact_at).isoformat() if case.contact_at else None


def case_record_guide_emailed(*, case: Case, actor: User, sent_at: datetime) -> Case:
    """The message that explains the postal procedure was sent to the person who e-mailed
    (the e-mail's text is the procedure guide's, shown on the case page to copy)."""
    require(actor, Capability.WORK_CASES)
    if sent_at > timezone.now():
        raise InvalidInput(_("It cannot have been sent in the future."))
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.state != CaseState.AWAITING_WRITTEN_REQUEST or locked.channel != Channel.EMAIL:
            raise InvalidInput(
                _("Only a request by e-mail that waits for the written request is answered so.")
            )
        audit.record(
            action="case.guide.emailed",
            actor=actor,
            case=locked,
            payload={"to": locked.email_sender, "sent_at": sent_at.isoformat()},
        )
    return locked


def case_submit_for_approval(
    *, case: Case, actor: User, expected_state: str | None = None, reason: str = ""
) -> Case:
    return _run_transition(
        case=case,
        actor=actor,
        name="submit_for_approval",
        expected_state=expected_state,
        reason=reason,
        payload={"outcomes": _outcomes(case)},
    )


def case_approve(
    *, case: Case, actor: User, expected_state: str | None = None, reason: str = ""
) -> Case:
    return _run_transition(
        case=case,
        actor=actor,
        name="approve",
        expected_state=expected_state,
        reason=reason,
        payload={"outcomes": _outcomes(case)},
    )


def case_return_for_rework(
    *, case: Case, actor: User, expected_state: str | None = None, reason: str = ""
) -> Case:
    return _run_transition(
        case=case,
        actor=actor,
        name="return_for_rework",
        expected_state=expected_state,
        reason=reason,
    )


def case_refuse(
    *, case: Case, actor: User, expected_state: str | None = None, reason: str = ""
) -> Case:
    return _run_transition(
        case=case,
        actor=actor,
        name="refuse",
        expected_state=expected_state,
        reason=reason,
        payload={"outcomes": _outcomes(case)},
    )


def case_record_reply_sent(
    *,
    case: Case,
    actor: User,
    sent_on: date | None = None,
    expected_state: str | None = None,
    reason: str = "",
) -> Case:
    """The reply is in the post: every deciding letter was approved and recorded as mailed
    (the guard checks the letter register). The date defaults to the last letter's mailing."""
    if sent_on is None:
        sent_on = reply_sent_on(case) or timezone.localdate()
    if sent_on > timezone.localdate():
        raise InvalidInput(_("The mailing date cannot be in the future."))
    return _run_transition(
        case=case,
        actor=actor,
        name="record_reply_sent",
        expected_state=expected_state,
        reason=reason,
        arguments={"sent_on": sent_on},
        extra_fields=["reply_sent_on"],
        payload={"sent_on": sent_on.isoformat()},
    )


def case_close(
    *, case: Case, actor: User, expected_state: str | None = None, reason: str = ""
) -> Case:
    return _run_transition(
        case=case,
        actor=actor,
        name="close",
        expected_state=expected_state,
        reason=reason,
        arguments={"at": timezone.now()},
        extra_fields=["closed_at"],
    )


def case_withdraw(
    *, case: Case, actor: User, expected_state: str | None = None, reason: str = ""
) -> Case:
    return _run_transition(
        case=case,
        actor=actor,
        name="withdraw",
        expected_state=expected_state,
        reason=reason,
        arguments={"at": timezone.now()},
        extra_fields=["closed_at"],
    )


def case_abandon(
    *, case: Case, actor: User, expected_state: str | None = None, reason: str = ""
) -> Case:
    return _run_transition(
        case=case,
        actor=actor,
        name="abandon",
        expected_state=expected_state,
        reason=reason,
        arguments={"at": timezone.now()},
        extra_fields=["closed_at"],
    )


def case_extend_deadline(
    *,
    case: Case,
    actor: User,
    reason: str,
    new_due_date: date | None = None,
    business_days: int | None = None,
    expected_state: str | None = None,
) -> Case:
    """Extend the due date (期限の延長) to a new date, or by a number of business days
    counted from the current due date, with the reasons the requester will be told.

    Telling the person (the extension notice) is the letters' part: see
    `letters.services.deadline_extend_with_notice`, which the case page calls.
    """
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Please give a reason for this step."))
    if (new_due_date is None) == (business_days is None):
        raise InvalidInput(_("Give either a new due date or a number of business days."))
    if business_days is not None and not 1 <= business_days <= 60:
        raise InvalidInput(_("Extend by 1 to 60 business days."))
    calendar = load_calendar()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        previous = locked.due_date
        until = new_due_date or calendar.add_business_days(previous, business_days or 0)
        problems = deadlines.extension_problems(
            until, current_due=previous, today=timezone.localdate(), calendar=calendar
        )
        if problems:
            raise InvalidInput(problems[0], details=problems[1:])
        return _run_transition(
            case=case,
            actor=actor,
            name="extend_deadline",
            expected_state=expected_state,
            reason=reason,
            arguments={"until": until},
            extra_fields=["due_date"],
            # What the extension notice needs: the new date and the reasons.
            payload={
                "new_due_date": until.isoformat(),
                "previous_due_date": previous.isoformat(),
                "business_days": business_days,
                "reason": reason,
            },
        )


def case_flag_for_abandonment(*, case_id: int, today: date) -> Case | None:
    """The system marks a case that waited on the requester too long for abandonment.

    Only a manager closes it (the `abandon` transition); this records that it is due for that
    decision. Idempotent: a case already marked in this wait is returned as it is; a case no
    longer waiting long enough gives None.
    """
    with transaction.atomic():
        locked = Case.objects.select_for_update().filter(pk=case_id).first()
        if locked is None or locked.state not in WAITING_ON_REQUESTER_STATES:
            return None
        if locked.flagged_for_abandonment_on is not None:
            return locked
        cutoff = today - timedelta(days=settings.APPI_ABANDON_AFTER_DAYS)
        if locked.waiting_since is None or locked.waiting_since > cutoff:
            return None
        locked.flagged_for_abandonment_on = today
        locked.save(update_fields=["flagged_for_abandonment_on", "updated_at"])
        audit.record(
            action="case.abandonment.flagged",
            case=locked,
            payload={
                "waiting_since": locked.waiting_since.isoformat(),
                "days_waited": (today - locked.waiting_since).days,
                "limit_days": settings.APPI_ABANDON_AFTER_DAYS,
            },
        )
    return locked


ARRIVAL_SERVICES: dict[str, Callable[..., Case]] = {  # the day what was asked for arrived
    "receive_documents": case_receive_documents,
    "receive_completion": case_receive_completion,
}


def _outcomes(case: Case) -> dict[str, str]:
    return {item.kind: item.outcome for item in case.items.all()}


# --- intake and edits --------------------------------------------------------------------


@dataclass(frozen=True)
class RequesterData:
    name: str
    name_kana: str
    date_of_birth: date
    postal_code: str
    address: str
    phone: str = ""
    email: str = ""
    # A set of Relationship codes, in the policy's order (a customer may be a shareholder).
    relationships: tuple[str, ...] = ("other",)
    title: str = ""


@dataclass(frozen=True)
class CaseData:
    arrival_date: date
    postmark_date: date | None = None
    mail_type: str = "ordinary"
    registered_mail_number: str = ""
    disclosure_method: str = ""
    agent_kind: str = ""
    agent_name: str = ""
    agent_name_kana: str = ""
    agent_postal_code: str = ""
    agent_address: str = ""


@dataclass(frozen=True)
class ContactData:
    """How a case that did not come by post reached the company: when, and who took the call
    or received the visitor, or who sent the e-mail."""

    channel: str = Channel.POST
    contact_at: datetime | None = None
    taken_by: User | None = None
    email_sender: str = ""


@dataclass(frozen=True)
class ItemData:
    kind: str
    details: str = ""


def _next_reference(year: int) -> str:
    """The next reference number of the year, e.g. 2026-000123, without gaps or repeats."""
    for _attempt in range(3):
        updated = ReferenceCounter.objects.filter(year=year).update(
            last_number=F("last_number") + 1
        )
        if updated:
            number = ReferenceCounter.objects.get(year=year).last_number
            return f"{year}-{number:06d}"
        try:
            with transaction.atomic():
                ReferenceCounter.objects.create(year=year, last_number=1)
            return f"{year}-{1:06d}"
        except IntegrityError:
            continue  # another intake created the year's counter first; increment it
    raise ServiceError(_("Could not allocate a reference number; please try again."))


def fee_due_for(kinds: Iterable[str]) -> int:
    """Art. 38: the published fee for each purpose notice or disclosure asked for."""
    return settings.APPI_FEE_YEN * sum(1 for kind in set(kinds) if kind in FEE_KINDS)


def _check_dates(case_data: CaseData, requester: RequesterData) -> None:
    today = timezone.localdate()
    if case_data.arrival_date > today:
        raise InvalidInput(_("The arrival date cannot be in the future."))
    if case_data.postmark_date and case_data.postmark_date > case_data.arrival_date:
        raise InvalidInput(_("The postmark cannot be later than the arrival date."))
    if requester.date_of_birth > today:
        raise InvalidInput(_("The date of birth cannot be in the future."))
    try:
        relationships_validator(list(requester.relationships))
    except ValidationError as error:
        raise InvalidInput(error.messages[0]) from error


def case_open(
    *,
    actor: User,
    requester: RequesterData,
    case_data: CaseData,
    items: Sequence[ItemData],
    assignee: User | None = None,
    repeat_of: Case | None = None,
    contact: ContactData | None = None,
) -> Case:
    """Log a request as a new case (受付): an envelope that arrived by post, or a telephone
    call, e-mail or visit (`contact`). `repeat_of` links it to an earlier case of the same
    person about the same thing (a repeat request).

    A request the Act lets the company take in writing only (WRITTEN_REQUEST_KINDS) that did
    not come by post waits for the written request: no deadline runs until it arrives."""
    require(actor, Capability.WORK_CASES)
    kinds = [item.kind for item in items]
    if not kinds:
        raise InvalidInput(_("Choose at least one kind of request."))
    if len(set(kinds)) != len(kinds) or not set(kinds) <= set(RequestKind.values):
        raise InvalidInput(_("Each kind of request can be chosen once."))
    _check_dates(case_data, requester)
    contact = contact or ContactData()
    _check_contact(contact, case_data)
    by_post = contact.channel == Channel.POST
    state = (
        CaseState.RECEIVED
        if by_post or not WRITTEN_REQUEST_KINDS & set(kinds)
        else CaseState.AWAITING_WRITTEN_REQUEST
    )
    with transaction.atomic():
        person = Requester.objects.create(**_requester_fields(requester))
        case = Case(
            reference=_next_reference(case_data.arrival_date.year),
            requester=person,
            fee_due=fee_due_for(kinds),
            created_by=actor,
            assignee=assignee or actor,
            due_date=case_data.arrival_date,  # replaced just below, once the items exist
            repeat_of=repeat_of,
            state=state,
            channel=contact.channel,
            contact_at=contact.contact_at,
            contact_taken_by=contact.taken_by,
            email_sender=contact.email_sender,
            **asdict(case_data),
        )
        case.save()
        RequestItem.objects.bulk_create(
            [RequestItem(case=case, kind=item.kind, details=item.details) for item in items]
        )
        audit.record(
            action="case.opened",
            actor=actor,
            case=case,
            to_state=case.state,
            payload={
                "reference": case.reference,
                "kinds": kinds,
                "arrival_date": case.arrival_date.isoformat(),
                "fee_due": case.fee_due,
                "agent_kind": case.agent_kind,
                **({"repeat_of": repeat_of.reference} if repeat_of else {}),
                **_contact_payload(case),
            },
        )
        refresh_search_text(case)
        deadlines.refresh_due_date(case)
        _remind_after_commit(case.pk)
    return case


def _check_contact(contact: ContactData, case_data: CaseData) -> None:
    if contact.channel not in Channel.values:
        raise InvalidInput(_("Choose how the request reached us."))
    if contact.channel == Channel.POST:
        if contact.contact_at or contact.taken_by or contact.email_sender:
            raise InvalidInput(_("A request by post has no call, visit or e-mail to record."))
        return
    if contact.contact_at is None:
        raise InvalidInput(_("Give the date and time of the call, visit or e-mail."))
    if contact.contact_at > timezone.now():
        raise InvalidInput(_("The call, visit or e-mail cannot be in the future."))
    if timezone.localdate(contact.contact_at) != case_data.arrival_date:
        # One date, not two that could disagree: the day of the contact is the day it came.
        raise InvalidInput(_("The arrival date is the day of the call, visit or e-mail."))
    if case_data.postmark_date or case_data.registered_mail_number:
        raise InvalidInput(_("A postmark or registered mail number belongs to a letter."))
    if contact.channel == Channel.EMAIL:
        if not contact.email_sender or contact.taken_by is not None:
            raise InvalidInput(_("Give the address the e-mail came from."))
    elif contact.taken_by is None or contact.email_sender:
        raise InvalidInput(_("Say who took the call or received the visitor."))


def _contact_payload(case: Case) -> dict[str, Any]:
    if case.channel == Channel.POST:
        return {}
    return {
        "channel": case.channel,
        "contact_at": case.contact_at.isoformat() if case.contact_at else None,
        # The hold for the written request counts from the day of the contact (deadlines).
        "asked_on": timezone.localdate(case.contact_at).isoformat() if case.contact_at else None,
        **({"taken_by": case.contact_taken_by_id} if case.contact_taken_by_id else {}),
        **({"email_sender": case.email_sender} if case.email_sender else {}),
    }


def _requester_fields(requester: RequesterData) -> dict[str, Any]:
    fields = asdict(requester)
    fields["relationships"] = list(requester.relationships)
    return fields


_REQUESTER_FIELDS = tuple(RequesterData.__dataclass_fields__)
_CASE_FIELDS = tuple(CaseData.__dataclass_fields__)
ENVELOPE_FIELDS = ("arrival_date", "postmark_date", "mail_type", "registered_mail_number")


def case_update_details(
    *, case: Case, actor: User, requester: RequesterData, case_data: CaseData
) -> Case:
    """Correct what was entered at intake; every changed field is in the audit entry."""
    require(actor, Capability.WORK_CASES)
    _check_dates(case_data, requester)
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("requester").get(pk=case.pk)
        if not locked.is_open:
            raise InvalidInput(_("A closed case cannot be changed."))
        if locked.state in HELD_STATES and any(
            getattr(locked, name) != getattr(case_data, name) for name in ENVELOPE_FIELDS
        ):
            # The day of the call, visit or e-mail stays the arrival date until the letter
            # comes; its envelope is logged then (case_receive_written_request).
            raise InvalidInput(
                _(
                    "Nothing came by post yet: the envelope is logged when the written "
                    "request arrives."
                )
            )
        changes: dict[str, dict[str, Any]] = {}
        person = locked.requester
        for name in _REQUESTER_FIELDS:
            _apply(person, name, getattr(requester, name), changes, prefix="requester.")
        for name in _CASE_FIELDS:
            _apply(locked, name, getattr(case_data, name), changes, prefix="")
        if not changes:
            return locked
        person.full_clean()
        person.save()
        locked.save()
        audit.record(
            action="case.details.changed", actor=actor, case=locked, payload={"changes": changes}
        )
        refresh_search_text(locked)
        deadlines.refresh_due_date(locked)
        _remind_after_commit(locked.pk)
    return locked


def _apply(
    obj: Any, name: str, value: Any, changes: dict[str, dict[str, Any]], prefix: str
) -> None:
    if isinstance(value, tuple):
        value = list(value)  # a set of codes, stored as a JSON list
    before = getattr(obj, name)
    if before != value:
        changes[prefix + name] = {"before": _plain(before), "after": _plain(value)}
        setattr(obj, name, value)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def case_assign(*, case: Case, actor: User, assignee: User | None) -> Case:
    require(actor, Capability.WORK_CASES)
    if assignee is not None and not has_capability(assignee, Capability.WORK_CASES):
        raise InvalidInput(_("Cases can only be assigned to staff or managers."))
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if not locked.is_open:
            raise InvalidInput(_("A closed case cannot be reassigned."))
        before = locked.assignee.get_username() if locked.assignee else ""
        locked.assignee = assignee
        locked.save(update_fields=["assignee", "updated_at"])
        audit.record(
            action="case.assigned",
            actor=actor,
            case=locked,
            payload={"before": before, "after": assignee.get_username() if assignee else ""},
        )
        # The new assignee hears today about a case that is due soon or overdue.
        _remind_after_commit(locked.pk)
    return locked


def item_record_outcome(
    *,
    item: RequestItem,
    actor: User,
    outcome: str,
    refusal_ground: str = "",
    reasons: str = "",
    measure: str = "",
) -> RequestItem:
    """Record the decision for one kind of request: an outcome of its kind, and where the
    outcome needs one, its ground under the Act, the reasons (Art. 36) and, for an
    alternative measure, the measure (outcomes.py says which)."""
    require(actor, Capability.WORK_CASES)
    reasons, measure = reasons.strip(), measure.strip()
    refusal_ground = refusal_ground or single_ground(item.kind, outcome)
    problems = decision_problems(
        kind=item.kind, outcome=outcome, ground=refusal_ground, reasons=reasons, measure=measure
    )
    if problems:
        messages = list(problems.values())
        raise InvalidInput(messages[0], details=messages[1:])
    # A department that could not carry it out (the data map's searches) rules out "done".
    conflicts = outcome_conflicts(item, outcome)
    if conflicts:
        raise InvalidInput(conflicts[0], details=conflicts[1:])
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=item.case_id)
        if case.state != CaseState.IN_PROGRESS:
            raise InvalidInput(_("Outcomes are recorded while the case is in progress."))
        locked = RequestItem.objects.select_for_update().get(pk=item.pk)
        before = {
            "outcome": locked.outcome,
            "refusal_ground": locked.refusal_ground,
            "review": locked.review,
        }
        locked.outcome = outcome
        locked.refusal_ground = refusal_ground
        locked.reasons = reasons
        locked.measure = measure
        locked.review = Review.FITS
        locked.decided_at = timezone.now()
        locked.full_clean(exclude=["case"])
        locked.save(
            update_fields=[
                "outcome",
                "refusal_ground",
                "reasons",
                "measure",
                "review",
                "decided_at",
            ]
        )
        audit.record(
            action="case.item.decided",
            actor=actor,
            case=case,
            reason=reasons,
            payload={
                "kind": locked.kind,
                "before": before,
                "after": {"outcome": outcome, "refusal_ground": refusal_ground},
                **({"measure": measure} if measure else {}),
            },
        )
    return locked


def note_add(*, case: Case, actor: User, body: str) -> Note:
    require(actor, Capability.WORK_CASES)
    body = body.strip()
    if not body:
        raise InvalidInput(_("A note cannot be empty."))
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        note = Note.objects.create(case=locked, author=actor, body=body)
        audit.record(
            action="case.note.added", actor=actor, case=locked, payload={"note_id": note.pk}
        )
    return note


def fee_record_payment(
    *, case: Case, actor: User, form: str, amount_yen: int, serial_number: str, received_on: date
) -> FeePayment:
    """Log money that arrived for the fee: amount, form and serial number (Art. 38)."""
    require(actor, Capability.WORK_CASES)
    if form not in FeeForm.values:
        raise InvalidInput(_("Choose how the fee arrived."))
    if amount_yen <= 0:
        raise InvalidInput(_("The amount must be more than zero yen."))
    if received_on > timezone.localdate():
        raise InvalidInput(_("The date received cannot be in the future."))
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.fee_due == 0:
            raise InvalidInput(_("No fee is due for this case."))
        if locked.state not in OPEN_STATES:
            raise InvalidInput(_("A closed case cannot take a payment."))
        payment = FeePayment.objects.create(
            case=locked,
            form=form,
            amount_yen=amount_yen,
            serial_number=serial_number.strip(),
            received_on=received_on,
            recorded_by=actor,
        )
        audit.record(
            action="case.fee.received",
            actor=actor,
            case=locked,
            payload={
                "form": form,
                "amount_yen": amount_yen,
                "serial_number": payment.serial_number,
                "received_on": received_on.isoformat(),
                "shortfall": locked.fee_shortfall,
            },
        )
    return payment


def case_record_view(*, case: Case, actor: User) -> None:
    """Log that someone opened the case page: who looked at whose data (ISO/IEC 27001)."""
    with transaction.atomic():
        audit.record(action="case.viewed", actor=actor, case=case)


def preference_set_language(*, user: Any, language: str) -> None:
    """Remember the language a user chose with the switch: their e-mails follow it."""
    if not getattr(user, "is_authenticated", False):
        return
    if language not in dict(settings.LANGUAGES):
        raise InvalidInput(_("Choose Japanese or English."))
    UserPreference.objects.update_or_create(user=user, defaults={"language": language})


# --- stored files ---------------------------------------------------------------------------


def files_check_record(*, check: files.FolderCheck) -> None:
    """Log what the daily check of a folder of stored files found and did, and audit what it
    removed or moved (names, sizes and SHA-256 only: no content, no personal data)."""
    for found in check.orphans_removed:
        logger.warning(
            "Removed %s (%s bytes, SHA-256 %s): no register row points to it.",
            found.name,
            found.size,
            found.sha256,
        )
    for found in check.temporary_removed:
        logger.warning("Removed %s: a temporary file left by a task that died.", found.name)
    for name in check.moved_into_place:
        logger.warning("Moved %s into place: its task died after registering it.", name)
    for name in check.missing:
        logger.error("The register points to %s, but the file is missing.", name)
    logger.info(
        "Checked %s files under %s/: %s orphans and %s temporary files removed, %s moved "
        "into place, %s missing.",
        check.files,
        check.folder,
        len(check.orphans_removed),
        len(check.temporary_removed),
        len(check.moved_into_place),
        len(check.missing),
    )
    if check.changed_anything:
        with transaction.atomic():
            audit.record(action="storage.files_checked", payload=check.as_json())

"""The case: a mailed request (開示等の請求), its requester, what they ask for, and its state.

The state machine lives here and stays pure: transitions only set fields, guards (workflow.py)
only read. Everything that happens *because* of a transition (the audit entry, e-mail, letters,
tasks) is done by the one service per transition in services.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, Transition, transition

from requests_app.audit import AuditChainHead, AuditEvent  # noqa: F401  (models of this app)
from requests_app.choices import (
    ART39_DAYS,
    AWAITING_REPLY_STATES,
    EXTENDABLE_STATES,
    FEE_KINDS,
    OPEN_STATES,
    WAITING_ON_REQUESTER_STATES,
    WITHDRAWABLE_STATES,
    AgentKind,
    CaseState,
    Channel,
    DayCount,
    DisclosureMethod,
    FeeForm,
    MailType,
    MessageKind,
    Outcome,
    Relationship,
    RequestKind,
    Title,
)
from requests_app.outcomes import (
    Review,
    decision_problems,
    fitting_decisions_q,
    ground_article,
    ground_label,
    is_granted,
    outcome_label,
)
from requests_app.permissions import CAPABILITY_LABELS, Capability, capability_check
from requests_app.validators import postal_code_validator, relationships_validator
from requests_app.workflow import (
    ALL_ITEMS_DECIDED,
    CLOCK_RUNNING,
    DRAFTS_READY,
    FEE_NEEDED,
    FEE_SETTLED,
    IDENTITY_VERIFIED,
    INQUIRY_WITHOUT_DOCUMENTS,
    NO_DECIDING_LETTER_MAILED,
    NOTHING_GRANTED,
    REPLY_LETTERS_SENT,
    SEARCHES_FINISHED,
    SOMETHING_GRANTED,
)

S = CaseState

can_work = capability_check(Capability.WORK_CASES)
can_approve = capability_check(Capability.APPROVE_DECISIONS)


def in_place_transition(
    field: Any, states: list[CaseState], **kwargs: Any
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A transition that leaves the state as it is, from each of `states`.

    django-fsm's `target=None` would do the same, but `graph_transitions` would then draw an
    edge to a state called "None"; one explicit self-loop per state draws truthfully.
    """

    def decorate(method: Callable[..., Any]) -> Callable[..., Any]:
        for state_value in states:
            method = transition(field=field, source=state_value, target=state_value, **kwargs)(
                method
            )
        return method

    return decorate


def default_relationships() -> list[str]:
    return [Relationship.OTHER.value]


class Requester(models.Model):
    """The person the data is about (ご本人 / 請求者)."""

    name = models.CharField(_("name"), max_length=100)
    name_kana = models.CharField(_("name in kana"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"))
    postal_code = models.CharField(
        _("postal code"), max_length=8, validators=[postal_code_validator]
    )
    address = models.CharField(_("address"), max_length=200)
    phone = models.CharField(_("telephone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # A set (a customer may also be a shareholder): Relationship codes, each once. The data
    # map proposes the systems to search from these (requests_app/datamap/rules.py).
    relationships = models.JSONField(
        _("relationships to the company"),
        default=default_relationships,
        validators=[relationships_validator],
    )
    # English letters: "Dear Ms …" when the person gave a title, "Dear … 様" otherwise.
    title = models.CharField(
        _("title in English letters"), max_length=8, choices=Title.choices, blank=True
    )

    class Meta:
        verbose_name = _("requester")
        verbose_name_plural = _("requesters")
        indexes = [
            models.Index(fields=["name"], name="requester_name"),
            models.Index(fields=["name_kana"], name="requester_kana"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def relationship_labels(self) -> list[str]:
        """The relationships in the order of the policy, as the active language names them."""
        held = set(self.relationships or ())
        return [str(label) for value, label in Relationship.choices if value in held]

    def age_on(self, day: date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class ReferenceCounter(models.Model):
    """The last reference number handed out in a year (2026-000123)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}-{self.last_number:06d}"


class Case(FSMModelMixin, models.Model):
    """One envelope's request (案件), identified by its reference number (受付番号)."""

    reference = models.CharField(_("reference number"), max_length=16, unique=True)
    requester = models.ForeignKey(
        Requester, verbose_name=_("requester"), on_delete=models.PROTECT, related_name="cases"
    )
    state = FSMField(
        _("state"), max_length=32, choices=CaseState.choices, default=S.RECEIVED, protected=True
    )
    arrival_date = models.DateField(_("arrival date (到達日)"))
    postmark_date = models.DateField(_("postmark date (消印)"), null=True, blank=True)
    mail_type = models.CharField(
        _("how it came"), max_length=32, choices=MailType.choices, default=MailType.ORDINARY
    )
    registered_mail_number = models.CharField(
        _("registered mail number"), max_length=32, blank=True
    )
    # How it first reached the company. For a telephone call or a visit: who took it and
    # when; for an e-mail: its sender and the time it was sent. A request that must be made
    # in writing (WRITTEN_REQUEST_KINDS) then waits for the letter; `arrival_date` becomes the
    # letter's arrival date when it comes (until then it is the day of the first contact).
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.POST
    )
    contact_at = models.DateTimeField(_("first contact at"), null=True, blank=True)
    contact_taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    email_sender = models.EmailField(_("e-mail sender"), blank=True)
    disclosure_method = models.CharField(
        _("preferred disclosure method"),
        max_length=16,
        choices=DisclosureMethod.choices,
        blank=True,
        default=DisclosureMethod.NOT_APPLICABLE,
    )
    agent_kind = models.CharField(
        _("who makes the request"),
        max_length=32,
        choices=AgentKind.choices,
        blank=True,
        default=AgentKind.NONE,
    )
    agent_name = models.CharField(_("agent's name"), max_length=100, blank=True)
    agent_name_kana = models.CharField(_("agent's name in kana"), max_length=100, blank=True)
    agent_postal_code = models.CharField(
        _("agent's postal code"), max_length=8, blank=True, validators=[postal_code_validator]
    )
    agent_address = models.CharField(_("agent's address"), max_length=200, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
    )
    fee_due = models.PositiveIntegerField(_("fee due (yen)"), default=0)
    # The deadline, derived from the history by deadlines.py and stored so lists and the
    # sweep can filter on it; never typed in. See deadlines.refresh_due_date.
    due_date = models.DateField(_("due date (回答期限)"))
    warning_date = models.DateField(_("reminders from"), null=True, blank=True)
    waiting_since = models.DateField(_("waiting on the requester since"), null=True, blank=True)
    clock_paused = models.BooleanField(_("deadline clock paused"), default=False)
    flagged_for_abandonment_on = models.DateField(
        _("marked for closing (no response) on"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Filled when the reply is recorded as mailed; the letter register keeps the details.
    reply_sent_on = models.DateField(_("reply sent on"), null=True, blank=True)
    # What the case is found by, normalised (search.py); kept current by the services. On
    # PostgreSQL a trigram index answers substring searches (migration 0007).
    search_text = models.TextField(_("search text"), blank=True, default="", editable=False)
    # A repeat request: the person wrote before about the same thing (linked at intake).
    repeat_of = models.ForeignKey(
        "self",
        verbose_name=_("repeat of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repeats",
    )

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-arrival_date", "-id"]
        # The capabilities of permissions.py; role groups get them from sync_roles().
        permissions = [(c.value, CAPABILITY_LABELS[c]) for c in Capability]
        indexes = [
            models.Index(fields=["-arrival_date", "-id"], name="case_arrival"),
            models.Index(fields=["state", "due_date"], name="case_state_due"),
            models.Index(fields=["assignee", "state"], name="case_assignee_state"),
            models.Index(
                fields=["due_date"],
                name="case_open_due",
                condition=~Q(state__in=["closed", "withdrawn", "abandoned"]),
            ),
            # The deadline sweep: open cases whose clock runs, by the day reminders start.
            models.Index(
                fields=["warning_date"],
                name="case_open_warning",
                condition=~Q(state__in=["closed", "withdrawn", "abandoned"])
                & Q(clock_paused=False),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    # --- derived facts ------------------------------------------------------------------

    @property
    def art39_date(self) -> date:
        """Two weeks after arrival (APPI Art. 39): from then the person may sue."""
        return self.arrival_date + timedelta(days=ART39_DAYS)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def awaiting_reply(self) -> bool:
        return self.state in AWAITING_REPLY_STATES

    @property
    def fee_paid(self) -> int:
        annotated = getattr(self, "fee_paid_total", None)
        if annotated is not None:
            return int(annotated)
        return sum(p.amount_yen for p in self.fee_payments.all())

    @property
    def fee_shortfall(self) -> int:
        return max(0, self.fee_due - self.fee_paid)

    @property
    def has_agent(self) -> bool:
        return bool(self.agent_kind)

    @property
    def reply_name(self) -> str:
        return self.agent_name if self.has_agent else self.requester.name

    @property
    def reply_postal_code(self) -> str:
        return self.agent_postal_code if self.has_agent else self.requester.postal_code

    @property
    def reply_address(self) -> str:
        """Where the reply will be mailed: the address identity verification must prove."""
        return self.agent_address if self.has_agent else self.requester.address

    # --- the state machine (pure: set fields only) ----------------------------------------

    @transition(
        field=state,
        source=S.RECEIVED,
        target=S.AWAITING_IDENTITY,
        permission=can_work,
        custom={
            "label": _("Start checking identity documents"),
            "action": "case.identity.requested",
            "reason": "none",
        },
    )
    def begin_identity_check(self) -> None:
        """The envelope is opened and logged; staff check the documents that came in it.
        This is the company's own work: the deadline clock keeps running."""

    @transition(
        field=state,
        source=S.AWAITING_WRITTEN_REQUEST,
        target=S.RECEIVED,
        permission=can_work,
        custom={
            "label": _("The written request arrived by post"),
            "action": "case.written_request.received",
            "reason": "optional",
            # Needs the envelope's facts (arrival, postmark, how it came): its own form.
            "own_form": True,
        },
    )
    def receive_written_request(
        self,
        *,
        arrival_date: date,
        postmark_date: date | None,
        mail_type: str,
        registered_mail_number: str,
    ) -> None:
        """The person's written request arrived by post: from its arrival the request is made
        by the published method, so the deadline and the Art. 39 date count from it."""
        self.arrival_date = arrival_date
        self.postmark_date = postmark_date
        self.mail_type = mail_type
        self.registered_mail_number = registered_mail_number

    @transition(
        field=state,
        source=S.RECEIVED,
        target=S.IN_PROGRESS,
        permission=can_work,
        conditions=[INQUIRY_WITHOUT_DOCUMENTS],
        custom={
            "label": _("Start work on the inquiry (no documents needed)"),
            "action": "case.inquiry.taken_up",
            "reason": "none",
            "only_where_possible": True,
        },
    )
    def take_up_inquiry(self) -> None:
        """An inquiry, opinion or complaint (Art. 40) by telephone, e-mail or in person is
        handled as it came: the Act asks for no identity documents for it, and its answer says
        what was done, not what the company holds on the person."""

    @transition(
        field=state,
        source=S.AWAITING_IDENTITY,
        target=S.AWAITING_DOCUMENTS,
        permission=can_work,
        custom={
            "label": _("Wait for the documents asked for"),
            "action": "case.documents.requested",
            "reason": "none",
            # Happens when the request for documents is recorded as mailed (letters).
            "automatic": True,
        },
    )
    def request_documents(self) -> None:
        """The request for missing or defective documents went out by post: from the day it
        was mailed, the case waits on the person (the clock pauses)."""

    @transition(
        field=state,
        source=S.AWAITING_DOCUMENTS,
        target=S.AWAITING_IDENTITY,
        permission=can_work,
        custom={
            "label": _("What was asked for arrived"),
            "action": "case.documents.received",
            "reason": "optional",
            # Needs the day it arrived: the case page draws its own form for it.
            "own_form": True,
        },
    )
    def receive_documents(self) -> None:
        """What the person was asked for arrived; staff check it (the clock runs again from
        the day after the arrival date they enter)."""

    @transition(
        field=state,
        source=S.AWAITING_IDENTITY,
        target=S.IDENTITY_VERIFIED,
        permission=can_work,
        conditions=[IDENTITY_VERIFIED],
        custom={
            "label": _("Confirm identity verified"),
            "action": "case.identity.verified",
            "reason": "none",
        },
    )
    def verify_identity(self) -> None:
        """Every identity rule passes on the documents received by post (本人確認)."""

    @transition(
        field=state,
        source=S.IDENTITY_VERIFIED,
        target=S.AWAITING_FEE,
        permission=can_work,
        conditions=[FEE_NEEDED],
        custom={
            "label": _("Wait for the fee"),
            "action": "case.fee.requested",
            "reason": "none",
            "automatic": True,
        },
    )
    def request_fee(self) -> None:
        """The request for the fee (purpose notices and disclosures) went out by post; the
        case waits on the person from the day it was mailed."""

    @transition(
        field=state,
        source=[S.IDENTITY_VERIFIED, S.AWAITING_FEE],
        target=S.IN_PROGRESS,
        permission=can_work,
        conditions=[FEE_SETTLED],
        custom={"label": _("Start work"), "action": "case.work.started", "reason": "none"},
    )
    def start_work(self) -> None:
        """Identity is verified and any fee is paid: staff search the company's systems."""

    @transition(
        field=state,
        source=S.IN_PROGRESS,
        target=S.AWAITING_COMPLETION,
        permission=can_work,
        custom={
            "label": _("Ask the requester to complete the request"),
            "action": "case.completion.requested",
            "reason": "required",
            "automatic": True,
        },
    )
    def request_completion(self) -> None:
        """The request is incomplete (補正): the person is asked to complete it, not refused.
        The case waits on them from the day the request for completion was mailed."""

    @transition(
        field=state,
        source=S.AWAITING_COMPLETION,
        target=S.IN_PROGRESS,
        permission=can_work,
        custom={
            "label": _("Completion received"),
            "action": "case.completion.received",
            "reason": "optional",
            "own_form": True,
        },
    )
    def receive_completion(self) -> None:
        """The person's completion of their request arrived; work resumes."""

    @transition(
        field=state,
        source=S.IN_PROGRESS,
        target=S.AWAITING_APPROVAL,
        permission=can_work,
        conditions=[ALL_ITEMS_DECIDED, SEARCHES_FINISHED, DRAFTS_READY],
        custom={
            "label": _("Submit for approval"),
            "action": "case.approval.requested",
            "reason": "optional",
        },
    )
    def submit_for_approval(self) -> None:
        """Every item has an outcome, every department's search was answered and reviewed,
        and the reply letters stating the decision are drafted; the decision goes to the
        Data Controller with its letters."""

    @transition(
        field=state,
        source=S.AWAITING_APPROVAL,
        target=S.APPROVED,
        permission=can_approve,
        conditions=[SOMETHING_GRANTED, DRAFTS_READY],
        custom={
            "label": _("Approve the decision and its letters"),
            "action": "case.decision.approved",
            "reason": "optional",
            # Not by the person who submitted it (APPI_FOUR_EYES; workflow.actor_blockers).
            "four_eyes": True,
        },
    )
    def approve(self) -> None:
        """The Data Controller (個人情報保護管理者) approves the outgoing decision and, in the
        same step, its drafted letters (letters.services.decision_approve)."""

    @transition(
        field=state,
        source=[S.AWAITING_APPROVAL, S.APPROVED, S.REFUSED],
        target=S.IN_PROGRESS,
        permission=can_approve,
        conditions=[NO_DECIDING_LETTER_MAILED],
        custom={
            "label": _("Return for rework"),
            "action": "case.decision.returned",
            "reason": "required",
            "tone": "secondary",
        },
    )
    def return_for_rework(self) -> None:
        """The Data Controller sends the decision back to staff, saying why: a draft, or an
        approved decision whose letters have not gone out yet (e.g. an item to be decided
        again)."""

    @transition(
        field=state,
        source=S.AWAITING_APPROVAL,
        target=S.REFUSED,
        permission=can_approve,
        conditions=[NOTHING_GRANTED, DRAFTS_READY],
        custom={
            "label": _("Decide not to act on the request"),
            "action": "case.decision.refused",
            "reason": "required",
            "tone": "danger",
            "four_eyes": True,
        },
    )
    def refuse(self) -> None:
        """The Data Controller decides not to act on any item (不開示等の決定), whatever the
        kinds; a letter giving the ground and reasons of each follows (Art. 36)."""

    @transition(
        field=state,
        source=[S.APPROVED, S.REFUSED],
        target=S.REPLY_SENT,
        permission=can_work,
        conditions=[REPLY_LETTERS_SENT],
        custom={
            "label": _("Record the reply as mailed"),
            "action": "case.reply.sent",
            "reason": "none",
        },
    )
    def record_reply_sent(self, *, sent_on: date) -> None:
        """The reply letters (回答書) were approved and mailed to the verified address."""
        self.reply_sent_on = sent_on

    @transition(
        field=state,
        source=S.REPLY_SENT,
        target=S.CLOSED,
        permission=can_work,
        conditions=[ALL_ITEMS_DECIDED],
        custom={"label": _("Close the case"), "action": "case.closed", "reason": "optional"},
    )
    def close(self, *, at: Any) -> None:
        """The reply went out and nothing is left to do."""
        self.closed_at = at

    @transition(
        field=state,
        source=WITHDRAWABLE_STATES,
        target=S.WITHDRAWN,
        permission=can_work,
        custom={
            "label": _("Record withdrawal"),
            "action": "case.withdrawn",
            "reason": "required",
            "tone": "danger",
        },
    )
    def withdraw(self, *, at: Any) -> None:
        """The person withdrew their request."""
        self.closed_at = at

    @transition(
        field=state,
        source=sorted(WAITING_ON_REQUESTER_STATES),
        target=S.ABANDONED,
        permission=can_approve,
        custom={
            "label": _("Close: no response from the requester"),
            "action": "case.abandoned",
            "reason": "required",
            "tone": "danger",
        },
    )
    def abandon(self, *, at: Any) -> None:
        """The person did not send what they were asked for in time; a closure letter
        follows. Only from a state that waits on the person."""
        self.closed_at = at

    @in_place_transition(
        state,
        EXTENDABLE_STATES,
        permission=can_work,
        conditions=[CLOCK_RUNNING],
        custom={
            "label": _("Extend the due date"),
            "action": "case.deadline.extended",
            "reason": "required",
            "tone": "secondary",
            # Needs a date as well as a reason: the case page draws its own form for it.
            "own_form": True,
        },
    )
    def extend_deadline(self, *, until: date) -> None:
        """The due date is extended (期限の延長), with reasons; an extension notice follows."""
        self.due_date = until


def case_transitions() -> dict[str, Transition]:
    """Every transition of the case machine by name (the first Transition of each)."""
    field = Case._meta.get_field("state")
    by_name: dict[str, Transition] = {}
    for found in field.get_all_transitions(Case):
        by_name.setdefault(found.name, found)
    return by_name


def transition_for(case: Case, name: str) -> Transition | None:
    """The transition called `name` that leaves the case's current state, if there is one."""
    meta = getattr(getattr(type(case), name, None), "_django_fsm", None)
    return None if meta is None else meta.get_transition(case.state)


class RequestItem(models.Model):
    """One kind of request within a case, with its own outcome, ground and reasons.

    Which outcomes and grounds fit which kind is requests_app/outcomes.py; `clean()` and the
    database's own CheckConstraint (generated from it) refuse any other combination.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="items")
    kind = models.CharField(_("kind"), max_length=32, choices=RequestKind.choices)
    details = models.TextField(_("what the person asks for"), blank=True, max_length=4000)
    outcome = models.CharField(
        _("outcome"), max_length=24, choices=Outcome.choices, blank=True, default=Outcome.PENDING
    )
    # The ground under the Act for not doing all that was asked, or for doing it another way
    # (one of outcomes.KINDS[kind]); the column keeps its first name.
    refusal_ground = models.CharField(_("ground"), max_length=32, blank=True, default="")
    reasons = models.TextField(_("reasons"), blank=True, max_length=4000)
    # The alternative measure taken instead (Art. 35(2),(4),(6)): then required by law.
    measure = models.TextField(_("alternative measure"), blank=True, max_length=4000)
    review = models.CharField(
        _("review"), max_length=16, choices=Review.choices, blank=True, default=Review.FITS
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("request item")
        verbose_name_plural = _("request items")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind"], name="item_one_per_kind"),
            models.CheckConstraint(
                condition=fitting_decisions_q(),
                name="item_decision_fits_kind",
                violation_error_message=_(
                    "This outcome and ground do not fit this kind of request."
                ),
            ),
        ]
        indexes = [models.Index(fields=["kind", "case"], name="item_kind_case")]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.kind}"

    @property
    def carries_fee(self) -> bool:
        return self.kind in FEE_KINDS

    @property
    def outcome_label(self) -> str:
        """The outcome in its kind's terms ("Not disclosed", "Answered", ...)."""
        return outcome_label(self.kind, self.outcome)

    @property
    def ground_label(self) -> str:
        return ground_label(self.kind, self.refusal_ground) if self.refusal_ground else ""

    @property
    def ground_article(self) -> str:
        return ground_article(self.kind, self.refusal_ground) if self.refusal_ground else ""

    @property
    def must_be_decided_again(self) -> bool:
        return self.review == Review.REDECIDE

    @property
    def granted(self) -> bool:
        return is_granted(self.kind, self.outcome)

    def clean(self) -> None:
        super().clean()
        if not self.outcome or self.review in (Review.REDECIDE, Review.HISTORY):
            return
        problems = decision_problems(
            kind=self.kind,
            outcome=self.outcome,
            ground=self.refusal_ground,
            reasons=self.reasons,
            measure=self.measure,
        )
        if problems:
            raise ValidationError(problems)


class FeePayment(models.Model):
    """Money that arrived for the fee (手数料): a postal money order or stamps."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="fee_payments")
    form = models.CharField(_("form"), max_length=32, choices=FeeForm.choices)
    amount_yen = models.PositiveIntegerField(_("amount (yen)"))
    serial_number = models.CharField(_("serial number"), max_length=32, blank=True)
    received_on = models.DateField(_("received on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("fee payment")
        verbose_name_plural = _("fee payments")
        ordering = ["received_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_form_display()} ¥{self.amount_yen:,}"


class Note(models.Model):
    """A working note on a case. Notes are never edited; a correction is a new note."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("note"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:40]


# --- deadlines: the business calendar, SLA policies, messages sent ----------------------------


class ClosureDay(models.Model):
    """A day the company is closed (休業日) besides weekends and national holidays.

    Without a year it recurs every year (the New Year closure, Dec 29 - Jan 3, is seeded so);
    with one it is that date only (e.g. an office move).
    """

    name = models.CharField(_("name"), max_length=100)
    month = models.PositiveSmallIntegerField(
        _("month"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    day = models.PositiveSmallIntegerField(
        _("day"), validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    year = models.PositiveSmallIntegerField(
        _("year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("Leave empty for a closure every year, such as the New Year holidays."),
    )

    class Meta:
        verbose_name = _("closure day")
        verbose_name_plural = _("closure days")
        ordering = ["year", "month", "day"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "day"],
                condition=Q(year__isnull=True),
                name="closureday_once_every_year",
            ),
            models.UniqueConstraint(
                fields=["year", "month", "day"],
                condition=Q(year__isnull=False),
                name="closureday_once_per_date",
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12, day__gte=1, day__lte=31),
                name="closureday_month_and_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.when} {self.name}"

    @property
    def when(self) -> str:
        if self.year is None:
            return _("every year on %(month)d/%(day)d") % {"month": self.month, "day": self.day}
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def clean(self) -> None:
        if self.month is None or self.day is None:
            return
        # Every-year days are checked against a leap year, so Feb 29 is allowed.
        try:
            date(self.year or 2028, self.month, self.day)
        except ValueError as exc:
            raise ValidationError(
                {"day": _("There is no such day in that month.")}, code="no_such_day"
            ) from exc


class SLAPolicy(models.Model):
    """The internal target for answering one kind of request, edited by an administrator."""

    kind = models.CharField(_("kind"), max_length=32, choices=RequestKind.choices, unique=True)
    target_days = models.PositiveSmallIntegerField(
        _("target"),
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Counted from the day after the request arrived (Civil Code Art. 140)."),
    )
    day_count = models.CharField(
        _("counted in"), max_length=16, choices=DayCount.choices, default=DayCount.BUSINESS
    )
    warning_days = models.PositiveSmallIntegerField(
        _("warn this many business days before"),
        default=3,
        validators=[MaxValueValidator(60)],
        help_text=_("The assignee is reminded every working day from then until the due date."),
    )
    pauses_while_waiting = models.BooleanField(
        _("clock pauses while waiting on the requester"),
        default=True,
        help_text=_(
            "While the case waits for identity documents, the fee or the completion of an "
            "incomplete request (補正), those days do not count."
        ),
    )
    search_task_days = models.PositiveSmallIntegerField(
        _("departments answer search tasks within (business days)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_(
            "When work starts, each department that holds the person's data gets a search "
            "task (data map) due this many business days after it was sent."
        ),
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["kind"]

    def __str__(self) -> str:
        return str(self.get_kind_display())


class SentMessage(models.Model):
    """One e-mail to one person about one thing on one day, claimed before it is sent.

    The unique key makes the claim a conditional insert: of two workers, only the one whose
    INSERT succeeds sends. `sent_at` stays empty until the mail server accepted the message,
    so a claim whose worker died can be taken over later (reminders.claim).
    """

    kind = models.CharField(_("kind"), max_length=32, choices=MessageKind.choices)
    day = models.DateField(_("day"))
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = models.DateTimeField(_("claimed at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message sent")
        verbose_name_plural = _("messages sent")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "day", "kind", "recipient"],
                condition=Q(case__isnull=False),
                name="message_once_per_case_day",
            ),
            models.UniqueConstraint(
                fields=["kind", "day", "recipient"],
                condition=Q(case__isnull=True),
                name="message_once_per_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.day} → {self.recipient_id}"


class UserPreference(models.Model):
    """What a user chose for themselves: the language of the e-mails they receive."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="preference",
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="ja"
    )

    class Meta:
        verbose_name = _("user preference")
        verbose_name_plural = _("user preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language}"


# Exports (bundles for auditors and managers) keep their model beside their code.
from requests_app.exports.models import Export  # noqa: E402, F401

# The letter register and what letters are written from (requests_app/letters/models.py).
from requests_app.letters.models import (  # noqa: E402, F401
    DisclosedRecord,
    ItemChange,
    Letter,
    LetterBatch,
    LetterStatus,
    MailMethod,
)

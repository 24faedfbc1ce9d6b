"""The data map (個人情報管理台帳), the search tasks sent to departments, what they found or
changed, and the register of provision to third parties (第三者提供記録).

One `DataSystem` per system or set of records that holds personal data. When work on a case
starts, each system that may hold the person's data gets a `SearchTask` for its department's
contacts; they answer with `Finding`s (what was found, item by item) or `ChangeReport`s (what
was corrected, stopped or erased, and when, or why they could not). Staff accept the answer,
and accepted answers become the rows the reply letters print.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from requests_app.choices import RequestKind
from requests_app.datamap.choices import (
    ChangeAction,
    ConnectorState,
    FindingOrigin,
    FindingState,
    OrderExclusion,
    ProvisionBasis,
    ProvisionDirection,
    SearchMethod,
    SearchResult,
    TaskStatus,
)


class Bilingual(models.Model):
    """A name kept in Japanese, and in English for the English pages."""

    name = models.CharField(_("name (Japanese)"), max_length=100, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the active language (Japanese when no English name is on file)."""
        if self.name_en and (translation.get_language() or "ja").startswith("en"):
            return self.name_en
        return self.name


class Department(Bilingual):
    """A department that owns systems on the data map, with its contacts (部門担当者)."""

    contacts = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("department contacts (部門担当者)"),
        related_name="datamap_departments",
        blank=True,
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]


class DataSystem(Bilingual):
    """One row of the data map: a system or set of records that holds personal data."""

    department = models.ForeignKey(
        Department,
        verbose_name=_("owning department"),
        on_delete=models.PROTECT,
        related_name="systems",
    )
    description = models.TextField(_("what it is"), blank=True, max_length=2000)
    # Sets of codes, stored as JSON lists in the order of their choices.
    relationships = models.JSONField(_("whose data it holds"), default=list)
    search_keys = models.JSONField(_("searched by"), default=list)
    items = models.JSONField(_("items held"), default=list)
    purposes = models.JSONField(_("purposes of use"), default=list)
    retention = models.CharField(_("retention"), max_length=200)
    subcontractors = models.TextField(_("subcontractors (Section 8)"), blank=True, max_length=2000)
    shared_with_group = models.BooleanField(
        _("shared with CMC Group companies (Section 9)"), default=False
    )
    third_parties = models.TextField(
        _("provided to third parties (Section 10)"), blank=True, max_length=2000
    )
    abroad = models.TextField(
        _("provided to a third party abroad (Section 11)"), blank=True, max_length=2000
    )
    requests_apply = models.BooleanField(
        _("retained personal data: requests apply (保有個人データ)"), default=True
    )
    search_method = models.CharField(
        _("how it is searched"),
        max_length=16,
        choices=SearchMethod.choices,
        default=SearchMethod.MANUAL,
    )
    # The name of a database configured on the server (DATAMAP_CONNECTORS), never its URL.
    connector = models.CharField(_("connected database"), max_length=40, blank=True)
    connector_query = models.TextField(_("connector query"), blank=True, max_length=8000)
    active = models.BooleanField(_("in use"), default=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("system on the data map")
        verbose_name_plural = _("data map (個人情報管理台帳)")
        ordering = ["department__name", "name"]

    @property
    def shares_with_third_parties(self) -> bool:
        return bool(self.third_parties.strip() or self.abroad.strip())

    @property
    def uses_connector(self) -> bool:
        return self.search_method == SearchMethod.CONNECTOR and bool(self.connector)


class SearchTask(models.Model):
    """A request to one department to search one system for the person of a case."""

    case = models.ForeignKey(
        "requests_app.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="search_tasks",
    )
    system = models.ForeignKey(
        DataSystem, verbose_name=_("system"), on_delete=models.PROTECT, related_name="tasks"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="tasks"
    )
    # The kinds of request this system is searched for (a cessation of third-party
    # provision only concerns the systems that provide data to third parties).
    kinds = models.JSONField(_("kinds asked"), default=list)
    status = models.CharField(
        _("status"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    sent_on = models.DateField(_("sent on"))
    due_date = models.DateField(_("due"))
    warning_date = models.DateField(_("reminders from"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    # The department's answer (the latest one, if it was returned and answered again).
    round = models.PositiveSmallIntegerField(_("answer round"), default=0)
    searched_on = models.DateField(_("searched on"), null=True, blank=True)
    searched_how = models.TextField(_("how it was searched"), blank=True, max_length=2000)
    result = models.CharField(_("result"), max_length=16, choices=SearchResult.choices, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # Staff's review.
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("comment to the department"), blank=True, max_length=2000)
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    # The connector's run, when the system is searched by one.
    connector_state = models.CharField(
        _("connector"), max_length=16, choices=ConnectorState.choices, blank=True
    )
    connector_message = models.TextField(_("connector message"), blank=True)
    connector_queued_at = models.DateTimeField(null=True, blank=True)
    connector_started_at = models.DateTimeField(null=True, blank=True)
    connector_finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("search task")
        verbose_name_plural = _("search tasks")
        ordering = ["case_id", "id"]
        constraints = [
            # One live task per system and case; a cancelled one may be sent again.
            models.UniqueConstraint(
                fields=["case", "system"],
                condition=~Q(status="cancelled"),
                name="search_task_once_per_system",
            ),
        ]
        indexes = [
            # A contact's list: their departments' open tasks, due first.
            models.Index(fields=["department", "status", "due_date", "id"], name="task_dept_due"),
            models.Index(fields=["status", "warning_date"], name="task_status_warning"),
            models.Index(fields=["connector_state", "connector_queued_at"], name="task_connector"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.system_id}"

    @property
    def waits_for_department(self) -> bool:
        return self.status in (TaskStatus.OPEN, TaskStatus.RETURNED)

    @property
    def change_kinds(self) -> list[str]:
        """The kinds of this task whose answer is a change made (or why it could not be)."""
        return [kind for kind in self.kinds if kind in CHANGE_KINDS]

    def overdue_on(self, day: date) -> bool:
        return self.waits_for_department and self.due_date < day


CHANGE_KINDS = (
    RequestKind.CORRECTION,
    RequestKind.DISCONTINUATION,
    RequestKind.THIRD_PARTY_CESSATION,
)


class Finding(models.Model):
    """One item of the person's data that a department found (as a disclosure shows it)."""

    task = models.ForeignKey(
        SearchTask, verbose_name=_("search task"), on_delete=models.CASCADE, related_name="findings"
    )
    category = models.CharField(_("category"), max_length=100)
    item = models.CharField(_("item"), max_length=200)
    content = models.TextField(_("content, as the disclosure shows it"), max_length=4000)
    location = models.CharField(_("where it is kept"), max_length=200)
    origin = models.CharField(
        _("origin"), max_length=16, choices=FindingOrigin.choices, default=FindingOrigin.MANUAL
    )
    state = models.CharField(
        _("state"), max_length=16, choices=FindingState.choices, default=FindingState.CONFIRMED
    )
    # A connector's row: the findings of one row are confirmed or discarded together.
    row_key = models.CharField(_("row"), max_length=64, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    # Once staff accept the answer: the row of the disclosure letter made from it.
    record = models.OneToOneField(
        "requests_app.DisclosedRecord",
        verbose_name=_("row of the disclosure"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="finding",
    )

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["task_id", "id"]

    def __str__(self) -> str:
        return f"{self.category}: {self.item}"


class ChangeReport(models.Model):
    """What a department changed, stopped or erased for one kind of request, and when; or
    why it could not (staff turn that into the item's outcome, with its kind's grounds)."""

    task = models.ForeignKey(
        SearchTask, verbose_name=_("search task"), on_delete=models.CASCADE, related_name="changes"
    )
    kind = models.CharField(_("for"), max_length=32, choices=RequestKind.choices)
    action = models.CharField(_("what was done"), max_length=32, choices=ChangeAction.choices)
    subject = models.CharField(_("what"), max_length=200, blank=True)
    before = models.TextField(_("before"), blank=True, max_length=2000)
    after = models.TextField(_("after"), blank=True, max_length=2000)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    reason = models.TextField(_("why it could not be done"), blank=True, max_length=2000)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    # Once staff accept the answer: the row of the completion letter made from it.
    record = models.OneToOneField(
        "requests_app.ItemChange",
        verbose_name=_("row of the completion letter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="report",
    )

    class Meta:
        verbose_name = _("change made by a department")
        verbose_name_plural = _("changes made by departments")
        ordering = ["task_id", "id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.action} {self.subject}"

    @property
    def cannot(self) -> bool:
        return self.action == ChangeAction.CANNOT


class ProvisionRecord(models.Model):
    """A record of provision to, or receipt from, a third party (第三者提供記録), kept for the
    period the Rules set (Arts. 21, 25) and then deleted by a daily task."""

    system = models.ForeignKey(
        DataSystem,
        verbose_name=_("system"),
        on_delete=models.PROTECT,
        related_name="provision_records",
    )
    direction = models.CharField(_("our part"), max_length=16, choices=ProvisionDirection.choices)
    basis = models.CharField(_("basis"), max_length=16, choices=ProvisionBasis.choices)
    abroad = models.BooleanField(_("third party abroad (Art. 28)"), default=False)
    consent_obtained = models.BooleanField(_("the person's consent was obtained"), default=False)
    # The other party: the recipient (Art. 29) or the provider (Art. 30).
    counterpart_name = models.CharField(_("name of the other party"), max_length=200)
    counterpart_address = models.CharField(_("address of the other party"), max_length=300)
    counterpart_is_corporation = models.BooleanField(_("the other party is a corporation"))
    counterpart_representative = models.CharField(
        _("its representative"), max_length=100, blank=True
    )
    # What identifies the person (本人を特定するに足りる事項).
    person_name = models.CharField(_("the person's name"), max_length=100)
    person_name_kana = models.CharField(_("the person's name in kana"), max_length=100, blank=True)
    person_date_of_birth = models.DateField(_("the person's date of birth"), null=True, blank=True)
    person_identifier = models.CharField(
        _("other details that identify the person"), max_length=200, blank=True
    )
    # The person's name as identity.names compares names: what the register is searched by.
    person_key = models.CharField(max_length=100, db_index=True, editable=False)
    data_items = models.CharField(_("items of personal data"), max_length=500)
    provided_on = models.DateField(_("date of provision"), null=True, blank=True)
    last_provision_on = models.DateField(_("last provision this record covers"))
    acquisition = models.CharField(
        _("how the provider acquired the data (Art. 30)"), max_length=500, blank=True
    )
    contract_record = models.BooleanField(
        _("this record is the contract or a similar document (kept 1 year)"), default=False
    )
    retain_until = models.DateField(_("kept until"), db_index=True)
    exclusion = models.CharField(
        _("excluded from disclosure (Enforcement Order Art. 11)"),
        max_length=32,
        choices=OrderExclusion.choices,
        blank=True,
    )
    exclusion_note = models.TextField(_("why it is excluded"), blank=True, max_length=2000)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("record of provision to a third party")
        verbose_name_plural = _("records of provision to third parties (第三者提供記録)")
        ordering = ["-last_provision_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.counterpart_name} {self.last_provision_on}"

    @property
    def excluded(self) -> bool:
        return bool(self.exclusion)


class ProvisionDisclosure(models.Model):
    """A provision record found to be the person's, for a request to disclose the records
    (Art. 33(5)). Linking it writes a row of the disclosure letter's table (`row`), marked as
    excluded by the Cabinet Order when the register says so; removing the row removes the
    link."""

    item = models.ForeignKey(
        "requests_app.RequestItem",
        verbose_name=_("request item"),
        on_delete=models.PROTECT,
        related_name="provision_disclosures",
    )
    record = models.ForeignKey(
        ProvisionRecord,
        verbose_name=_("record"),
        on_delete=models.CASCADE,
        related_name="disclosures",
    )
    row = models.OneToOneField(
        "requests_app.DisclosedRecord",
        verbose_name=_("row of the letter"),
        on_delete=models.CASCADE,
        related_name="provision",
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("provision record of the person")
        verbose_name_plural = _("provision records of the person")
        ordering = ["item_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "record"], name="provision_disclosed_once"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}:{self.record_id}"

"""The vocabulary every part of the app shares: kinds of request, case states, outcomes.

A leaf module: it imports nothing of the project, so models, rules, services and templates can
all use it without importing each other.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# Civil Code Art. 140 and APPI Art. 39: the person may sue two weeks after the request arrived.
ART39_DAYS = 14


class Channel(models.TextChoices):
    """How the request or inquiry reached the company. The policy publishes post as the way
    to make a request (Section 15), and a telephone number and e-mail address for inquiries."""

    POST = "post", _("Post (郵送)")
    TELEPHONE = "telephone", _("Telephone (電話)")
    EMAIL = "email", _("E-mail (電子メール)")
    IN_PERSON = "in_person", _("In person (来訪)")


class RequestKind(models.TextChoices):
    PURPOSE_NOTICE = "purpose_notice", _("Notice of purpose of use (Art. 32)")
    DISCLOSURE = "disclosure", _("Disclosure (Art. 33)")
    THIRD_PARTY_RECORDS = (
        "third_party_records",
        _("Disclosure of third-party provision records (Art. 33(5))"),
    )
    CORRECTION = "correction", _("Correction, addition or deletion (Art. 34)")
    DISCONTINUATION = "discontinuation", _("Discontinuation of use or erasure (Art. 35(1))")
    THIRD_PARTY_CESSATION = (
        "third_party_cessation",
        _("Cessation of third-party provision (Art. 35(3))"),
    )
    COMPLAINT = "complaint", _("Inquiry, opinion or complaint (Art. 40)")


# Requests the company takes by its published method only, in writing by post (Art. 37(1),
# policy Section 15): one that arrives by telephone, e-mail or in person waits for the letter.
# An inquiry, opinion or complaint (Art. 40) may come any way and is handled as it comes.
WRITTEN_REQUEST_KINDS: frozenset[str] = frozenset(set(RequestKind) - {RequestKind.COMPLAINT})

# Art. 38: a fee may be charged only for purpose notices and disclosures.
FEE_KINDS = frozenset(
    {RequestKind.PURPOSE_NOTICE, RequestKind.DISCLOSURE, RequestKind.THIRD_PARTY_RECORDS}
)


class Relationship(models.TextChoices):
    """How the person relates to the company: the categories of the policy's Section 4, and
    the independent contractors and temporary agency staff of its Section 6. A person may
    hold several at once (a customer who is also a shareholder): a requester has a set."""

    CUSTOMER = "customer", _("User of products and services")
    BUSINESS_CONTACT = "business_contact", _("Employee of a business counterpart")
    INVESTOR = "investor", _("Shareholder or investor")
    JOB_APPLICANT = "job_applicant", _("Job applicant")
    EMPLOYEE = "employee", _("Employee")
    EMPLOYEE_RELATION = "employee_relation", _("Person related to an employee")
    RETIRED_EMPLOYEE = "retired_employee", _("Retired employee")
    CONTRACTOR = "contractor", _("Independent contractor or temporary agency staff")
    OTHER = "other", _("Other or unknown")


class Title(models.TextChoices):
    """How the person asked to be addressed in English letters (optional; 様 otherwise)."""

    NONE = "", _("No title (様 after the name)")
    MR = "Mr", _("Mr")
    MS = "Ms", _("Ms")
    MRS = "Mrs", _("Mrs")
    MX = "Mx", _("Mx")
    DR = "Dr", _("Dr")


class MailType(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary mail")
    REGISTERED = "registered", _("Registered mail (書留)")
    SIMPLE_REGISTERED = "simple_registered", _("Simple registered mail (簡易書留)")
    SPECIFIED_RECORD = "specified_record", _("Specified record mail (特定記録)")


class DisclosureMethod(models.TextChoices):
    NOT_APPLICABLE = "", _("Not applicable")
    PAPER = "paper", _("Paper, by post")
    ELECTRONIC = "electronic", _("Electronic record")
    OTHER = "other", _("Other method the company sets")


class AgentKind(models.TextChoices):
    NONE = "", _("The person themselves")
    LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative (法定代理人)")
    APPOINTED_AGENT = "appointed_agent", _("Appointed agent (任意代理人)")


class CaseState(models.TextChoices):
    """The case's states. Values are hashed into the audit chain: never rename one; change
    the label, or add a state."""

    RECEIVED = "received", _("Received")
    # A request by telephone, e-mail or in person that the Act lets the company take only by
    # its published method (written, by post): it waits for the letter, and its deadline and
    # Art. 39 date start only when that arrives.
    AWAITING_WRITTEN_REQUEST = (
        "awaiting_written_request",
        _("Waiting for the written request by post"),
    )
    # The company's own work: the clock runs (documents in the envelope are checked here).
    AWAITING_IDENTITY = "awaiting_identity", _("Checking identity documents")
    # Waiting on the person, from the day the request for documents was mailed.
    AWAITING_DOCUMENTS = "awaiting_documents", _("Waiting for documents from the requester")
    IDENTITY_VERIFIED = "identity_verified", _("Identity verified")
    AWAITING_FEE = "awaiting_fee", _("Waiting for the fee from the requester")
    IN_PROGRESS = "in_progress", _("In progress")
    AWAITING_COMPLETION = (
        "awaiting_completion",
        _("Waiting for the requester to complete the request"),
    )
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    # No item granted, whatever the kind (不開示等の決定): not only disclosures.
    REFUSED = "refused", _("Decision not to act")
    REPLY_SENT = "reply_sent", _("Reply sent")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ABANDONED = "abandoned", _("Closed: no response from the requester")


S = CaseState
OPEN_STATES = frozenset(set(S) - {S.CLOSED, S.WITHDRAWN, S.ABANDONED})
# Open and the reply not yet mailed: the deadline clock runs (or is paused) only in these.
# Once the reply is sent the obligation is met, even if closing the case waits a while.
AWAITING_REPLY_STATES = OPEN_STATES - {S.REPLY_SENT}
# States in which the case waits on the requester: each is entered when the request for
# documents, fee or completion (補正) is mailed, and left when staff record that what was
# asked arrived. Checking what came in the envelope is the company's work and not among them.
# The deadline clock pauses in these (deadlines.py), the case list's "waiting on the
# requester" and the dashboard count them, long waits are flagged in them (reminders.py) and
# only from them may a case be closed for want of a response.
WAITING_ON_REQUESTER_STATES = frozenset(
    {S.AWAITING_WRITTEN_REQUEST, S.AWAITING_DOCUMENTS, S.AWAITING_FEE, S.AWAITING_COMPLETION}
)
# Waits in which the clock is held whatever the kind's policy says: the request has not yet
# been made by the published method, so no deadline has begun (deadlines.py).
HELD_STATES = frozenset({S.AWAITING_WRITTEN_REQUEST})
# States in which the due date may be extended: open, and the reply not yet mailed.
EXTENDABLE_STATES = [
    S.RECEIVED,
    S.AWAITING_IDENTITY,
    S.AWAITING_DOCUMENTS,
    S.IDENTITY_VERIFIED,
    S.AWAITING_FEE,
    S.IN_PROGRESS,
    S.AWAITING_COMPLETION,
    S.AWAITING_APPROVAL,
    S.APPROVED,
    S.REFUSED,
]
WITHDRAWABLE_STATES = [
    S.AWAITING_WRITTEN_REQUEST,
    S.RECEIVED,
    S.AWAITING_IDENTITY,
    S.AWAITING_DOCUMENTS,
    S.IDENTITY_VERIFIED,
    S.AWAITING_FEE,
    S.IN_PROGRESS,
    S.AWAITING_COMPLETION,
    S.AWAITING_APPROVAL,
    S.APPROVED,
]


class Outcome(models.TextChoices):
    """Every outcome an item can have. Which ones a kind of request may have, and on which
    grounds, and what each is called for that kind, is requests_app/outcomes.py."""

    PENDING = "", _("Not decided")
    DONE = "done", _("Done in full")
    PARTLY_DONE = "partly_done", _("Partly done")
    REFUSED = "refused", _("Not done")
    NOTHING_HELD = "nothing_held", _("No personal data held")
    # Art. 35(2),(4),(6): a different measure, because doing it is costly or difficult.
    DIFFERENT_MEASURE = "different_measure", _("An alternative measure instead")
    # Art. 33(2): disclosed in writing, because the chosen method is costly or difficult.
    OTHER_METHOD = "other_method", _("Disclosed in writing instead of the method chosen")


class FeeForm(models.TextChoices):
    POSTAL_MONEY_ORDER = "postal_money_order", _("Postal money order (定額小為替)")
    STAMPS = "stamps", _("Postage stamps")


class DayCount(models.TextChoices):
    BUSINESS = "business", _("Business days")
    CALENDAR = "calendar", _("Calendar days")


class MessageKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Due soon (to the assignee)")
    OVERDUE = "overdue", _("Overdue (to the assignee)")
    ESCALATION = "escalation", _("Escalation (to managers)")
    LONG_WAIT = "long_wait", _("Waiting too long (to managers)")
    AUDIT_FAILURE = "audit_failure", _("Audit trail check failed (to administrators)")
    # Search tasks of the data map (requests_app/datamap): to department contacts, and to
    # the case's assignee when a department answers or is late.
    TASK_ASSIGNED = "task_assigned", _("New search task (to department contacts)")
    TASK_RETURNED = "task_returned", _("Search answer returned (to department contacts)")
    TASK_DUE_SOON = "task_due_soon", _("Search task due soon (to department contacts)")
    TASK_OVERDUE = "task_overdue", _("Search task overdue (to department contacts)")
    TASK_ANSWERED = "task_answered", _("Search answered (to the assignee)")
    TASK_ESCALATION = "task_escalation", _("Search task overdue (to the assignee)")

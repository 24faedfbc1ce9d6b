"""The data map's vocabulary: what a system is searched by, what it holds, how it is searched,
the states of a search task, and the kinds of provision to third parties. A leaf module.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchKey(models.TextChoices):
    """A detail of the person a system can be searched by (what its department is shown)."""

    NAME = "name", _("Name")
    NAME_KANA = "name_kana", _("Name in kana")
    DATE_OF_BIRTH = "date_of_birth", _("Date of birth")
    ADDRESS = "address", _("Postal code and address")
    PHONE = "phone", _("Telephone")
    EMAIL = "email", _("E-mail")


class DataItem(models.TextChoices):
    """The categories of personal data of the policy's Section 6."""

    NAME = "name", _("Name")
    WORK_CONTACT = "work_contact", _("Workplace contact details (organisation, department, ...)")
    HOME_CONTACT = "home_contact", _("Home address and other contact details")
    BANK = "bank", _("Bank account and expense accounting")
    WORK_DUTIES = "work_duties", _("Work duties and the products and services concerned")
    COMPETENCE = "competence", _("Photos, career history, qualifications")
    PASSPORT_VISA = "passport_visa", _("Passport number and visa information")
    RESUME = "resume", _("Résumé (date of birth, sex, education, employment history)")
    IMAGES = "images", _("Facial images and audio (ID cards, recordings, security cameras)")
    LABOUR = "labour", _("Personnel and labour administration (salary, attendance, health)")
    FAMILY = "family", _("Family information for legally required benefits")
    EMERGENCY = "emergency", _("Emergency contact")
    MY_NUMBER = "my_number", _("My Number (individual number)")
    FIDELITY = "fidelity", _("Third parties for fidelity guarantees")
    SHAREHOLDING = "shareholding", _("Shareholding (number of shares, dividends)")
    ACCESS_RECORDS = "access_records", _("Entry and exit records of our premises")
    ICT = "ict", _("Cookies, IP addresses, identifiers, access and usage logs")


class SearchMethod(models.TextChoices):
    MANUAL = "manual", _("By hand, by the department")
    CONNECTOR = "connector", _("By a connector to its database, confirmed by the department")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Waiting for the department")
    ANSWERED = "answered", _("Answered, waiting for review")
    RETURNED = "returned", _("Returned to the department")
    ACCEPTED = "accepted", _("Answer accepted")
    CANCELLED = "cancelled", _("Cancelled")


# A task the department still has to answer, and one staff still have to review.
WAITING_FOR_DEPARTMENT = frozenset({TaskStatus.OPEN, TaskStatus.RETURNED})
UNFINISHED = WAITING_FOR_DEPARTMENT | {TaskStatus.ANSWERED}


class SearchResult(models.TextChoices):
    NOTHING_FOUND = "nothing_found", _("Nothing found")
    FOUND = "found", _("Found")


class FindingOrigin(models.TextChoices):
    MANUAL = "manual", _("Entered by the department")
    CONNECTOR = "connector", _("Proposed by the connector")


class FindingState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed, to be confirmed")
    CONFIRMED = "confirmed", _("Confirmed")
    DISCARDED = "discarded", _("Discarded")


class ChangeAction(models.TextChoices):
    """What a department did for a correction, discontinuation or cessation, or that it
    could not (the reason goes to staff, who decide the outcome)."""

    CORRECTED = "corrected", _("Corrected")
    ADDED = "added", _("Added")
    DELETED = "deleted", _("Deleted")
    USE_STOPPED = "use_stopped", _("Use stopped")
    ERASED = "erased", _("Erased")
    PROVISION_STOPPED = "provision_stopped", _("Provision to third parties stopped")
    CANNOT = "cannot", _("Could not be done")


class ConnectorState(models.TextChoices):
    NONE = "", _("Not used")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ProvisionDirection(models.TextChoices):
    """Whose record it is: ours as provider (Art. 29) or ours as recipient (Art. 30)."""

    PROVIDED = "provided", _("We provided the data (Art. 29)")
    RECEIVED = "received", _("We received the data (Art. 30)")


class ProvisionBasis(models.TextChoices):
    """On what the provision rests. Only the first two call for a record; the others are
    refused at entry with the reason no record is kept (Art. 27(1), 27(5), 16(2))."""

    CONSENT = "consent", _("The person's consent (Art. 27(1), 28(1))")
    OPT_OUT = "opt_out", _("Opt-out notified to the PPC (Art. 27(2))")
    LAW = "law", _("Required by law (Art. 27(1)(i))")
    LIFE = "life", _("To protect life, body or property (Art. 27(1)(ii))")
    PUBLIC_HEALTH = "public_health", _("Public health or children (Art. 27(1)(iii))")
    STATE_AFFAIRS = "state_affairs", _("Cooperation with state affairs (Art. 27(1)(iv))")
    ACADEMIC = "academic", _("Academic research (Art. 27(1)(v)-(vii))")
    ENTRUSTMENT = "entrustment", _("Entrustment to a subcontractor (Art. 27(5)(i))")
    SUCCESSION = "succession", _("Business succession (Art. 27(5)(ii))")
    JOINT_USE = "joint_use", _("Joint use (Art. 27(5)(iii))")
    PUBLIC_BODY = "public_body", _("A national organ, local government or the like (Art. 16(2))")


RECORDED_BASES = frozenset({ProvisionBasis.CONSENT, ProvisionBasis.OPT_OUT})
# Exempt from records even abroad: the Art. 27(1) exceptions and public bodies.
ALWAYS_EXEMPT_BASES = frozenset(
    {
        ProvisionBasis.LAW,
        ProvisionBasis.LIFE,
        ProvisionBasis.PUBLIC_HEALTH,
        ProvisionBasis.STATE_AFFAIRS,
        ProvisionBasis.ACADEMIC,
        ProvisionBasis.PUBLIC_BODY,
    }
)
# Exempt only at home: a transfer abroad under Art. 28 is recorded even when it is an
# entrustment, a succession or joint use (Art. 28(1) does not carry over Art. 27(5)).
DOMESTIC_EXEMPT_BASES = frozenset(
    {ProvisionBasis.ENTRUSTMENT, ProvisionBasis.SUCCESSION, ProvisionBasis.JOINT_USE}
)


class OrderExclusion(models.TextChoices):
    """Records the Cabinet Order excludes from disclosure (Enforcement Order Art. 11): the
    letter leaves them out without mention; the approver sees each one."""

    NONE = "", _("Not excluded")
    LIFE_BODY_PROPERTY = (
        "life_body_property",
        _("Its existence becoming known would endanger a person's life, body or property"),
    )
    UNLAWFUL_ACTS = (
        "unlawful_acts",
        _("Its existence becoming known would invite or encourage illegal or unjust acts"),
    )
    NATIONAL_SECURITY = (
        "national_security",
        _("Its existence becoming known would harm national security or foreign relations"),
    )
    CRIME = (
        "crime",
        _("Its existence becoming known would hinder crime prevention or investigation"),
    )

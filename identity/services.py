"""Writes for identity documents. Each is audited on the case it belongs to."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from identity.models import DocumentType, ReceivedDocument
from requests_app import audit
from requests_app.errors import InvalidInput, NotPermitted
from requests_app.models import Case, CaseState
from requests_app.permissions import Capability, has_capability

# Documents are logged while the case is being checked; afterwards the verdict is settled.
DOCUMENT_STATES = frozenset({CaseState.RECEIVED, CaseState.AWAITING_IDENTITY})


def document_record(
    *, case: Case, actor: Any, document_type: DocumentType, received_on: date
) -> ReceivedDocument:
    """Log a copy of an identity document that arrived by post for this case."""
    if not has_capability(actor, Capability.WORK_CASES):
        raise NotPermitted()
    if received_on > timezone.localdate():
        raise InvalidInput(_("The date received cannot be in the future."))
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.state not in DOCUMENT_STATES:
            raise InvalidInput(_("Identity documents are logged before identity is verified."))
        if received_on < locked.arrival_date:
            raise InvalidInput(_("A document cannot arrive before the request itself."))
        document = ReceivedDocument.objects.create(
            case=locked, document_type=document_type, received_on=received_on, recorded_by=actor
        )
        audit.record(
            action="case.identity.document_received",
            actor=actor,
            case=locked,
            payload={"document_type": document_type.code, "received_on": received_on.isoformat()},
        )
    return document

"""Identity documents for tests: what staff would type off a good copy, unless told otherwise."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from identity import services
from identity.choices import Holder
from identity.models import DocumentType, ReceivedDocument
from identity.names import kana_to_romaji
from requests_app.models import Case


def log_document(
    case: Case,
    actor: Any,
    code: str,
    *,
    holder: str = Holder.REQUESTER,
    person: Any = None,
    **overrides: Any,
) -> ReceivedDocument:
    """Log a copy of `code` for `holder` that passes every rule unless `overrides` say so.

    `person` has name, name_kana, date_of_birth and address (default: the requester).
    """
    kind = DocumentType.objects.get(code=code)
    person = person or case.requester
    received_on: date = overrides.pop("received_on", case.arrival_date)
    values: dict[str, Any] = {
        "holder": holder,
        "paper_location": "書庫A-3",
    }
    if kind.is_identity_document:
        values["name_shown"] = (
            kana_to_romaji(person.name_kana) if code == "passport" else person.name
        )
        values["date_of_birth_shown"] = getattr(person, "date_of_birth", None) or date(1975, 6, 1)
        if kind.shows_address:
            values["address_shown"] = person.address
    if kind.expires:
        values["expires_on"] = received_on + timedelta(days=365)
    if kind.max_age_months:
        values["issued_on"] = received_on - timedelta(days=10)
    if kind.required_maskings:
        values["maskings"] = kind.required_maskings
        values["masked_by"] = actor
    values.update(overrides)
    return services.document_record(
        case=case, actor=actor, document_type=kind, received_on=received_on, **values
    )

"""Documents that pass every rule, logged through the services as staff would.

Used by `requests_app.demo.cases.walk_to` (demo data and the test factories) to take a case
through the identity gate: the requester's driver's licence and passport, and, when the
case needs them, the agent's proof of authority and documents, or a minor's parent, their
consent, the family register and the parent's documents.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from identity import entries, scans, services
from identity.choices import GuardianRelationship, Holder
from identity.gate import needs_guardian
from identity.models import DocumentType, ReceivedDocument
from identity.names import kana_to_romaji
from identity.rules import LEGAL_REPRESENTATIVE
from requests_app.models import Case

CABINET = "書庫A-3（本人確認書類）"


def _type(code: str) -> DocumentType:
    return DocumentType.objects.get(code=code)


def _two_documents(
    case: Case,
    actor: Any,
    *,
    holder: str,
    name: str,
    kana: str,
    born: date,
    address: str,
    received_on: date,
) -> list[ReceivedDocument]:
    licence = services.document_record(
        case=case,
        actor=actor,
        document_type=_type("drivers_licence"),
        received_on=received_on,
        holder=holder,
        name_shown=name,
        date_of_birth_shown=born,
        address_shown=address,
        issued_on=received_on - timedelta(days=700),
        expires_on=received_on + timedelta(days=1100),
        paper_location=CABINET,
    )
    passport = services.document_record(
        case=case,
        actor=actor,
        document_type=_type("passport"),
        received_on=received_on,
        holder=holder,
        name_shown=kana_to_romaji(kana),
        date_of_birth_shown=born,
        issued_on=received_on - timedelta(days=1500),
        expires_on=received_on + timedelta(days=2000),
        paper_location=CABINET,
    )
    return [licence, passport]


def log_passing_documents(case: Case, *, actor: Any) -> list[ReceivedDocument]:
    """Log, as received on the arrival date, every document this case needs to pass."""
    received_on = case.arrival_date
    requester = case.requester
    logged = _two_documents(
        case,
        actor,
        holder=Holder.REQUESTER,
        name=requester.name,
        kana=requester.name_kana,
        born=requester.date_of_birth,
        address=requester.address,
        received_on=received_on,
    )
    if case.has_agent:
        logged += _agent_documents(case, actor, received_on)
    if needs_guardian(case) and case.agent_kind != LEGAL_REPRESENTATIVE:
        logged += _guardian_documents(case, actor, received_on)
    return logged


def _agent_documents(case: Case, actor: Any, received_on: date) -> list[ReceivedDocument]:
    if case.agent_kind == LEGAL_REPRESENTATIVE:
        proofs = [
            services.document_record(
                case=case,
                actor=actor,
                document_type=_type("family_register"),
                received_on=received_on,
                holder=Holder.AGENT,
                issued_on=received_on - timedelta(days=14),
                paper_location=CABINET,
            )
        ]
    else:
        proofs = [
            services.document_record(
                case=case,
                actor=actor,
                document_type=_type("power_of_attorney"),
                received_on=received_on,
                holder=Holder.AGENT,
                issued_on=received_on - timedelta(days=7),
                paper_location=CABINET,
            ),
            services.document_record(
                case=case,
                actor=actor,
                document_type=_type("seal_certificate"),
                received_on=received_on,
                holder=Holder.REQUESTER,
                name_shown=case.requester.name,
                issued_on=received_on - timedelta(days=10),
                paper_location=CABINET,
            ),
        ]
    return proofs + _two_documents(
        case,
        actor,
        holder=Holder.AGENT,
        name=case.agent_name,
        kana=case.agent_name_kana,
        born=date(1975, 6, 1),
        address=case.agent_address,
        received_on=received_on,
    )


def _guardian_documents(case: Case, actor: Any, received_on: date) -> list[ReceivedDocument]:
    requester = case.requester
    family = requester.name.split(" ")[0]
    family_kana = requester.name_kana.split(" ")[0]
    guardian = services.guardian_record(
        case=case,
        actor=actor,
        data=entries.GuardianData(
            relationship=GuardianRelationship.PARENT,
            name=f"{family} 恵子",
            name_kana=f"{family_kana} ケイコ",
            date_of_birth=date(1982, 9, 3),
            postal_code=requester.postal_code,
            address=requester.address,
            consent_received_on=received_on,
        ),
    )
    register = services.document_record(
        case=case,
        actor=actor,
        document_type=_type("family_register"),
        received_on=received_on,
        holder=Holder.GUARDIAN,
        issued_on=received_on - timedelta(days=20),
        paper_location=CABINET,
    )
    return [
        register,
        *_two_documents(
            case,
            actor,
            holder=Holder.GUARDIAN,
            name=guardian.name,
            kana=guardian.name_kana,
            born=guardian.date_of_birth,
            address=guardian.address,
            received_on=received_on,
        ),
    ]


# The demo's one scan: a copy of a driver's licence drawn here, marked as a specimen.
DEMO_FONT = Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")


def specimen_licence(name: str, address: str) -> bytes:
    """A PNG that looks like a copy of a driver's licence, marked 見本 (specimen). An IC
    licence prints no permanent domicile (本籍), so there is nothing to mask on it."""
    card = Image.new("RGB", (856, 540), (232, 240, 232))
    draw = ImageDraw.Draw(card)

    def font(size: int) -> Any:
        if DEMO_FONT.exists():
            return ImageFont.truetype(str(DEMO_FONT), size)
        return ImageFont.load_default(size)

    japanese = DEMO_FONT.exists()
    draw.rounded_rectangle((10, 10, 846, 530), radius=28, outline=(40, 100, 60), width=6)
    draw.text(
        (40, 34), "運転免許証（見本）" if japanese else "DRIVER'S LICENCE", (30, 60, 40), font(40)
    )
    draw.text((40, 110), name if japanese else "(name)", (20, 20, 20), font(36))
    draw.text((40, 170), address if japanese else "(address)", (20, 20, 20), font(24))
    draw.rectangle((620, 110, 806, 350), fill=(200, 208, 200), outline=(90, 90, 90), width=2)
    draw.text((160, 250), "SPECIMEN", (190, 40, 40), font(64))
    out = io.BytesIO()
    card.save(out, format="PNG")
    return out.getvalue()


def log_scanned_licence(case: Case, *, actor: Any) -> ReceivedDocument:
    """The first copy of an envelope still waiting for its second: the requester's driver's
    licence, with a scan, so the demo has one to open (「スキャンを開く」)."""
    requester = case.requester
    received_on = case.arrival_date
    return services.document_record(
        case=case,
        actor=actor,
        document_type=_type("drivers_licence"),
        received_on=received_on,
        holder=Holder.REQUESTER,
        name_shown=requester.name,
        date_of_birth_shown=requester.date_of_birth,
        address_shown=requester.address,
        issued_on=received_on - timedelta(days=700),
        expires_on=received_on + timedelta(days=1100),
        paper_location=CABINET,
        scan=scans.check(specimen_licence(requester.name, requester.address)),
    )

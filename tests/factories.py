"""Factories with realistic Japanese data (kanji and kana names, Aichi addresses)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import factory
from django.utils import timezone

from requests_app import services
from requests_app.demo import cases as demo
from requests_app.models import Case

_rng = random.Random(7)


class RequesterDataFactory(factory.Factory):
    class Meta:
        model = services.RequesterData

    name = "高橋 美咲"
    name_kana = "タカハシ ミサキ"
    date_of_birth = date(1988, 4, 12)
    postal_code = "460-0021"
    address = "愛知県名古屋市中区平和1丁目1番19号"
    phone = "052-322-3355"
    email = "misaki.takahashi@example.jp"
    relationships = ("customer",)

    @classmethod
    def random(cls, **kwargs: Any) -> services.RequesterData:
        return cls(**{**demo.person(_rng).__dict__, **kwargs})


class CaseDataFactory(factory.Factory):
    class Meta:
        model = services.CaseData

    arrival_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=2))
    postmark_date = factory.LazyAttribute(lambda o: o.arrival_date - timedelta(days=1))
    mail_type = "simple_registered"
    registered_mail_number = "1234-5678-9012"
    disclosure_method = "paper"


def make_case(
    *,
    actor: Any,
    kinds: tuple[str, ...] = ("disclosure",),
    state: str = "received",
    manager: Any = None,
    requester: services.RequesterData | None = None,
    **case_fields: Any,
) -> Case:
    """A case opened and walked to `state` through the services, audit trail included."""
    case = services.case_open(
        actor=actor,
        requester=requester or RequesterDataFactory(),
        case_data=CaseDataFactory(**case_fields),
        items=[services.ItemData(kind=kind, details=demo.DETAILS[kind]) for kind in kinds],
    )
    return demo.walk_to(case, state, staff=actor, manager=manager or actor)

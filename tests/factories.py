"""Factories with realistic Japanese data (kanji and kana names, Aichi addresses)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from functools import partial
from typing import Any

import factory
from django.test import TestCase
from django.utils import timezone

from requests_app import files, services
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
    """A case opened and walked to `state` through the services, audit trail included
    (letters a decided case needs included, their files in place)."""
    with stored_files_in_place():
        case = services.case_open(
            actor=actor,
            requester=requester or RequesterDataFactory(),
            case_data=CaseDataFactory(**case_fields),
            items=[services.ItemData(kind=kind, details=demo.DETAILS[kind]) for kind in kinds],
        )
        return demo.walk_to(case, state, staff=actor, manager=manager or actor)


@contextmanager
def stored_files_in_place() -> Iterator[None]:
    """Move the files stored inside the block into place when it ends, as the commits of the
    services that stored them would (requests_app/files.py).

    A test runs in one transaction that never commits, so nothing waiting for a commit runs;
    the other after-commit work (queued tasks) stays unrun, as it always has for factories.
    Outside a transaction (a transactional test) the commits are real and this does nothing.
    """
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        yield
    for callback in callbacks:
        if isinstance(callback, partial) and callback.func is files.publish_now:
            callback()


def submit_with_letters(case: Case, staff: Any) -> Case:
    """Submit a decided case for approval as staff do (issue 15): what each carried-out item's
    letter reports entered, the reply letters drafted, then the decision and its letters
    submitted together."""
    with stored_files_in_place():
        for item in case.items.all():
            has_content = item.disclosed_records.exists() or item.changes.exists()
            if item.outcome in CARRIED_OUT and not has_content:
                demo.record_letter_content(item, staff=staff)
        demo.draft_reply_letters(case, staff=staff)
        return services.case_submit_for_approval(case=case, actor=staff)


CARRIED_OUT = frozenset({"done", "partly_done", "other_method"})

"""Many synthetic cases with complete, hash-chained histories, fast (for benchmarks).

The cases and their events look exactly like ones made through the services: every event
is on the audit chain, so `verify_audit` passes over them.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from requests_app import audit
from requests_app.choices import ART39_DAYS, CaseState, Outcome
from requests_app.demo import cases as demo
from requests_app.models import Case, ReferenceCounter, Requester, RequestItem
from requests_app.search import search_text_for
from requests_app.services import fee_due_for

S = CaseState
# The usual road through the machine: (action, from state, to state).
PATH: list[tuple[str, str, str]] = [
    ("case.opened", "", S.RECEIVED),
    ("case.identity.requested", S.RECEIVED, S.AWAITING_IDENTITY),
    ("case.identity.document_received", "", ""),
    ("case.identity.document_received", "", ""),
    ("case.identity.verified", S.AWAITING_IDENTITY, S.IDENTITY_VERIFIED),
    ("case.work.started", S.IDENTITY_VERIFIED, S.IN_PROGRESS),
    ("case.item.decided", "", ""),
    ("case.approval.requested", S.IN_PROGRESS, S.AWAITING_APPROVAL),
    ("case.decision.approved", S.AWAITING_APPROVAL, S.APPROVED),
    ("case.reply.sent", S.APPROVED, S.REPLY_SENT),
    ("case.closed", S.REPLY_SENT, S.CLOSED),
]
STATE_WEIGHTS = {
    S.CLOSED: 55,
    S.REPLY_SENT: 4,
    S.APPROVED: 3,
    S.AWAITING_APPROVAL: 5,
    S.IN_PROGRESS: 12,
    S.IDENTITY_VERIFIED: 3,
    S.AWAITING_IDENTITY: 10,
    S.RECEIVED: 3,
    S.WITHDRAWN: 5,
}
TERMINAL = {S.CLOSED, S.WITHDRAWN}
_OFFICE_TIME = ZoneInfo(settings.TIME_ZONE)


def _path_to(state: str) -> list[tuple[str, str, str]]:
    if state == S.WITHDRAWN:
        return [*PATH[:2], ("case.withdrawn", S.AWAITING_IDENTITY, S.WITHDRAWN)]
    for index, (_action, _from, to) in enumerate(PATH):
        if to == state:
            return PATH[: index + 1]
    raise ValueError(state)


def create_cases(
    *,
    count: int,
    events_per_case: int,
    workers: Sequence[Any],
    rng: random.Random,
    progress: Callable[[int], None] = lambda n: None,
    batch_size: int = 2000,
) -> int:
    states, weights = zip(*STATE_WEIGHTS.items(), strict=True)
    today = timezone.localdate()
    made = 0
    while made < count:
        size = min(batch_size, count - made)
        with transaction.atomic():
            _batch(size, events_per_case, workers, rng, list(states), list(weights), today)
        made += size
        if made % 20000 == 0 or made == count:
            progress(made)
    return made


def _batch(
    size: int,
    events_per_case: int,
    workers: Sequence[Any],
    rng: random.Random,
    states: list[str],
    weights: list[int],
    today: date,
) -> None:
    people = [demo.person(rng) for _ in range(size)]
    requesters = Requester.objects.bulk_create(
        [Requester(**{**p.__dict__, "relationships": list(p.relationships)}) for p in people]
    )
    arrivals = [today - timedelta(days=rng.randint(0, 400)) for _ in range(size)]
    references = _references([arrival.year for arrival in arrivals])
    chosen_states = rng.choices(states, weights=weights, k=size)
    kinds = [demo.kinds(rng) for _ in range(size)]
    cases = []
    for index in range(size):
        arrival, state = arrivals[index], chosen_states[index]
        worker = rng.choice(workers)
        cases.append(
            Case(
                reference=references[index],
                requester=requesters[index],
                state=state,
                arrival_date=arrival,
                postmark_date=arrival - timedelta(days=1),
                mail_type="simple_registered",
                disclosure_method="paper" if "disclosure" in kinds[index] else "",
                assignee=worker,
                created_by=worker,
                fee_due=fee_due_for(kinds[index]),
                due_date=arrival + timedelta(days=ART39_DAYS),
                closed_at=_at(arrival, 20) if state in TERMINAL else None,
                reply_sent_on=arrival + timedelta(days=10)
                if state in (S.REPLY_SENT, S.CLOSED)
                else None,
            )
        )
    for case in cases:
        case.search_text = search_text_for(case)
    cases = Case.objects.bulk_create(cases)
    decided = {S.AWAITING_APPROVAL, S.APPROVED, S.REPLY_SENT, S.CLOSED}
    RequestItem.objects.bulk_create(
        [
            RequestItem(
                case=case,
                kind=kind,
                details=demo.DETAILS[kind],
                outcome=Outcome.DONE if case.state in decided else Outcome.PENDING,
            )
            for case, case_kinds in zip(cases, kinds, strict=True)
            for kind in case_kinds
        ]
    )
    _events(cases, events_per_case, workers, rng)


def _references(years: list[int]) -> list[str]:
    """Reserve a block of reference numbers per year in one update each."""
    needed: dict[int, int] = {}
    for year in years:
        needed[year] = needed.get(year, 0) + 1
    next_number: dict[int, int] = {}
    for year, amount in needed.items():
        ReferenceCounter.objects.get_or_create(year=year)
        ReferenceCounter.objects.filter(year=year).update(last_number=F("last_number") + amount)
        last = ReferenceCounter.objects.get(year=year).last_number
        next_number[year] = last - amount + 1
    references = []
    for year in years:
        references.append(f"{year}-{next_number[year]:06d}")
        next_number[year] += 1
    return references


def _at(day: date, hour_offset: int) -> datetime:
    start = datetime.combine(day, time(9, 0), tzinfo=_OFFICE_TIME)
    return start + timedelta(hours=hour_offset)


def _events(
    cases: list[Case], events_per_case: int, workers: Sequence[Any], rng: random.Random
) -> None:
    head = audit.AuditChainHead.objects.select_for_update().get(pk=1)
    seq, prev = head.seq, head.hash
    rows = []
    for case in cases:
        steps = _path_to(case.state)
        padding = max(0, events_per_case - len(steps))
        actions = [*steps, *[("case.viewed", "", "")] * padding]
        for offset, (action, from_state, to_state) in enumerate(actions):
            seq += 1
            actor = rng.choice(workers)
            at = _at(case.arrival_date, offset * 6)
            payload = {"reference": case.reference} if action == "case.opened" else {}
            content = audit.event_content(
                seq=seq,
                at=at,
                actor_id=actor.pk,
                actor_username=actor.username,
                case_id=case.pk,
                action=action,
                from_state=from_state,
                to_state=to_state,
                reason="",
                payload=payload,
            )
            digest = audit.chain_hash(prev, content)
            rows.append(
                (
                    seq,
                    at,
                    actor.pk,
                    actor.username,
                    case.pk,
                    action,
                    from_state,
                    to_state,
                    "",
                    json.dumps(payload, ensure_ascii=False),
                    prev,
                    digest,
                )
            )
            prev = digest
    _insert_rows(audit.AuditEvent, audit.EVENT_COLUMNS, rows)
    audit.AuditChainHead.objects.filter(pk=1).update(seq=seq, hash=prev)


def _insert_rows(model: type[Any], columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """COPY on PostgreSQL (the fast path for a million events); plain INSERTs elsewhere."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = ", ".join(f'"{column}"' for column in columns)
            with cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            names = ", ".join(f'"{column}"' for column in columns)
            cursor.executemany(
                f'INSERT INTO "{table}" ({names}) VALUES ({placeholders})',  # noqa: S608
                rows,
            )

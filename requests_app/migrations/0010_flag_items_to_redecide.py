"""Items decided under the old single list of grounds (Art. 33(2), offered for every kind).

The old grounds ("harm", "business", "other_law") are exactly the disclosure kinds' grounds
of Art. 33(2)(i)-(iii) and keep their codes there. Any other recorded decision that does not
fit its kind (e.g. a correction refused for "significant impediment to the business") is:

- on a case whose reply has not been mailed: kept as it was (outcome, ground and reasons
  untouched) and flagged for staff to decide again (review = "redecide"), with an audit
  event saying so; the case cannot be submitted or approved until it is decided again;
- on a case whose reply went out, or that is closed: kept as its history (review =
  "history"). Its letters, stored with their SHA-256, are never regenerated.

The rules are frozen here as they were when this migration was written (outcomes.py may
change later; a migration must not).
"""

from django.db import migrations
from django.utils import timezone

OLD_GROUNDS = ("harm", "business", "other_law")
# (kind, outcome) -> the grounds it takes, in the old vocabulary: what fits under the new
# rules among the decisions the old code could record.
FITTING = {
    ("purpose_notice", "done"): {""},
    ("purpose_notice", "nothing_held"): {""},
    ("disclosure", "done"): {""},
    ("disclosure", "nothing_held"): {""},
    ("disclosure", "partly_done"): set(OLD_GROUNDS),
    ("disclosure", "refused"): set(OLD_GROUNDS),
    ("third_party_records", "done"): {""},
    ("third_party_records", "nothing_held"): {""},
    ("third_party_records", "partly_done"): set(OLD_GROUNDS),
    ("third_party_records", "refused"): set(OLD_GROUNDS),
    ("correction", "done"): {""},
    ("correction", "nothing_held"): {""},
    ("discontinuation", "done"): {""},
    ("discontinuation", "nothing_held"): {""},
    ("third_party_cessation", "done"): {""},
    ("third_party_cessation", "nothing_held"): {""},
    ("complaint", "done"): {""},
}
# Until the reply is mailed the decision can still be made again.
UNDECIDED_REPLY_STATES = (
    "received",
    "awaiting_identity",
    "awaiting_documents",
    "identity_verified",
    "awaiting_fee",
    "in_progress",
    "awaiting_completion",
    "awaiting_approval",
    "approved",
    "refused",
)


def fits(item):
    return item.refusal_ground in FITTING.get((item.kind, item.outcome), ())


def flag(apps, schema_editor):
    from requests_app.audit import chain_hash, event_content

    item_model = apps.get_model("requests_app", "RequestItem")
    event_model = apps.get_model("requests_app", "AuditEvent")
    head_model = apps.get_model("requests_app", "AuditChainHead")
    items = item_model.objects.exclude(outcome="").select_related("case").order_by("id")
    to_redecide, history = [], []
    for item in items:
        if fits(item):
            continue
        if item.case.state in UNDECIDED_REPLY_STATES:
            to_redecide.append(item)
        else:
            history.append(item)
    item_model.objects.filter(pk__in=[item.pk for item in history]).update(review="history")
    item_model.objects.filter(pk__in=[item.pk for item in to_redecide]).update(review="redecide")
    if not to_redecide:
        return
    head, _created = head_model.objects.select_for_update().get_or_create(pk=1)
    seq, last_hash = head.seq, head.hash
    for item in to_redecide:
        seq += 1
        event = event_model(
            seq=seq,
            at=timezone.now(),
            actor=None,
            actor_username="system",
            case_id=item.case_id,
            action="case.item.review_flagged",
            from_state="",
            to_state="",
            reason="",
            payload={
                "kind": item.kind,
                "outcome": item.outcome,
                "refusal_ground": item.refusal_ground,
                "review": "redecide",
                "why": "ground_not_of_kind",
            },
            prev_hash=last_hash,
        )
        content = event_content(
            seq=event.seq,
            at=event.at,
            actor_id=None,
            actor_username=event.actor_username,
            case_id=event.case_id,
            action=event.action,
            from_state=event.from_state,
            to_state=event.to_state,
            reason=event.reason,
            payload=event.payload,
        )
        event.hash = chain_hash(last_hash, content)
        event.save(force_insert=True)
        last_hash = event.hash
    head_model.objects.filter(pk=1).update(seq=seq, hash=last_hash)


class Migration(migrations.Migration):

    dependencies = [
        ("requests_app", "0009_outcomes_per_kind"),
    ]

    # Nothing to undo: the columns go with 0007, and audit events are never removed.
    operations = [migrations.RunPython(flag, migrations.RunPython.noop)]

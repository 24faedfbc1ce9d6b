"""The data map's part of the case page: which systems were searched, by whom, when and with
what result; the proposal of systems to search once work starts; the departments that could
not do what was asked; and, for a request to disclose the records of provision (Art. 33(5)),
the person's records in the register."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from requests_app import outcomes
from requests_app.choices import CaseState, Outcome
from requests_app.datamap import selectors, services
from requests_app.datamap.choices import TaskStatus
from requests_app.datamap.forms import SendSearchesForm
from requests_app.models import Case
from requests_app.permissions import Capability, has_capability


def send_choices(case: Case) -> list[tuple[str, str]]:
    """Every system staff may send a task for now: the proposed ones first."""
    tasks = selectors.case_tasks(case)
    proposed = selectors.proposals(case, tasks)
    others = selectors.other_systems(case, tasks, proposed)
    return [
        (str(system.pk), system.label)
        for system in [proposal.system for proposal in proposed] + others
    ]


def _outcomes_short_of_done(kind: str) -> list[dict[str, Any]]:
    """What an item a department could not carry out may be recorded as, and on which
    grounds: the rules of its kind (requests_app/outcomes.py), nothing else."""
    return [
        {
            "label": rule.label,
            "grounds": [f"{ground.article}: {ground.label}" for ground in rule.grounds],
        }
        for rule in outcomes.rules_for(kind).outcomes
        if rule.outcome not in (Outcome.DONE, Outcome.NOTHING_HELD)
    ]


def case_section(case: Case, user: Any, forms: Mapping[str, Any]) -> dict[str, Any]:
    """What templates/datamap/_case_section.html shows."""
    can_work = has_capability(user, Capability.WORK_CASES)
    tasks = selectors.case_tasks(case)
    live = [task for task in tasks if task.status != TaskStatus.CANCELLED]
    context: dict[str, Any] = {
        "search_tasks": tasks,
        "searches_unfinished": sum(1 for task in live if task.status != TaskStatus.ACCEPTED),
        "cannot_reports": [
            {"kind": kind, "reports": reports, "outcomes": _outcomes_short_of_done(kind)}
            for kind, reports in services.cannot_reports(case, tasks).items()
        ],
    }
    searching = case.state in selectors.SEARCHING_STATES
    if can_work and searching:
        proposed = selectors.proposals(case, tasks)
        others = selectors.other_systems(case, tasks, proposed)
        choices = [(str(p.system.pk), p.system.label) for p in proposed] + [
            (str(system.pk), system.label) for system in others
        ]
        if choices:
            context.update(
                proposals=proposed,
                other_systems=others,
                search_form=forms.get("search_form")
                or SendSearchesForm(
                    choices=choices, initial={"systems": [str(p.system.pk) for p in proposed]}
                ),
            )
    item = selectors.records_item(case)
    if item is not None:
        links = selectors.item_provisions(item)
        # Linking writes a row of the letter, which is recorded while the case is in progress.
        provisions_editable = can_work and case.state == CaseState.IN_PROGRESS
        linked = {link.record_id for link in links}
        context.update(
            records_item=item,
            provision_links=links,
            provision_candidates=[
                record
                for record in selectors.records_matching(case.requester)
                if record.pk not in linked
            ]
            if provisions_editable
            else [],
            provisions_editable=provisions_editable,
        )
    return context

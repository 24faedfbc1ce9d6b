"""`make bench` figures for the day's work (issue 15): search and the staff home page.

- `case_search`: the header's search for a name typed with a full-width space (山田　太郎),
  every state, first page; beside the same SELECT statements replayed through a raw cursor.
- `case_search_short`: a two-character family name, which a trigram index cannot help with
  (fewer than three characters): the same column scanned. Printed to show its cost.
- `staff_home`: the home page of a member of staff with 200 open cases.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from tests.bench import medians_ms, read_queries, replay, report

HOME_CASES = 200


def _page(client: Any, url: str) -> Callable[[], None]:
    def run() -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    return run


def _figure(name: str, client: Any, url: str) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        _page(client, url)()
    statements = read_queries(captured)
    report(name, *medians_ms(_page(client, url), replay(statements)))


def _home_user(staff: Any) -> Any:
    """A member of staff with exactly HOME_CASES open cases (taken from the bench staff)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from requests_app.choices import AWAITING_REPLY_STATES
    from requests_app.models import Case

    user, _created = get_user_model().objects.get_or_create(username="bench-home")
    user.groups.set([Group.objects.get(name="staff")])
    have = Case.objects.filter(assignee=user, state__in=AWAITING_REPLY_STATES).count()
    if have < HOME_CASES:
        wanted = (
            Case.objects.filter(assignee=staff, state__in=AWAITING_REPLY_STATES)
            .order_by("due_date", "id")
            .values_list("pk", flat=True)[: HOME_CASES - have]
        )
        Case.objects.filter(pk__in=list(wanted)).update(assignee=user)
    return user


def run(staff: Any) -> None:
    from django.test import Client

    from requests_app.models import Case

    client = Client()
    client.force_login(staff)
    person = Case.objects.select_related("requester").order_by("pk").first()
    assert person is not None
    family, _space, given = person.requester.name.partition(" ")
    typed = f"{family}\u3000{given}"
    _figure("case_search", client, "/cases/?" + urlencode({"q": typed, "state": "all"}))
    _figure("case_search_short", client, "/cases/?" + urlencode({"q": family, "state": "all"}))

    home = Client()
    home.force_login(_home_user(staff))
    _figure("staff_home", home, "/")

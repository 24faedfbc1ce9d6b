"""The home page: the first page after sign-in, the day's work of the user's role."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from requests_app import home
from requests_app.business_calendar import load_calendar
from requests_app.datamap.selectors import contact_home
from requests_app.permissions import Capability
from requests_app.views.base import CapabilityRequiredMixin, signed_in


class ApprovalQueueView(CapabilityRequiredMixin, View):
    """What waits for the Data Controller: each decision with its drafted letters, approved
    or returned in one step."""

    capability = Capability.APPROVE_DECISIONS

    def get(self, request: HttpRequest) -> HttpResponse:
        queue = home.approval_queue(signed_in(request))
        return render(request, "requests_app/approvals.html", {"queue": queue})


class HomeView(View):
    """Every signed-in user has a home; what it shows depends on their role."""

    def get(self, request: HttpRequest) -> HttpResponse:
        user = signed_in(request)
        role = home.home_role(user)
        if role == "contact":
            # A department contact's home is the list of their open tasks, due first.
            tasks = contact_home(user, request.GET.get("page"))
            return render(request, "datamap/task_list.html", tasks)
        today, calendar = timezone.localdate(), load_calendar()
        context: dict[str, Any] = {"role": role, "today": today, "calendar": calendar}
        if role == "staff":
            context["groups"] = home.staff_groups(user, today=today, calendar=calendar)
        elif role == "manager":
            context["groups"] = home.manager_groups(today=today, calendar=calendar)
        elif role == "auditor":
            context["exports"] = list(home.recent_exports())
        elif role == "administrator":
            context["changes"] = home.reference_changes()
        return render(request, "requests_app/home.html", context)

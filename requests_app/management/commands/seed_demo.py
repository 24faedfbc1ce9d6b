"""Demo data: one login per role, realistic cases in every state, or N synthetic cases.

`seed_demo` is safe to run at every start: it (re)sets the demo logins and adds the demo
cases only to an empty database. `seed_demo --cases N` adds N cases with full, hash-chained
histories using bulk inserts, for benchmarks.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from requests_app import queue, services
from requests_app.business_calendar import load_calendar
from requests_app.choices import CaseState, Channel
from requests_app.demo import bulk
from requests_app.demo import cases as demo
from requests_app.demo import datamap as demo_datamap
from requests_app.demo import identity as demo_identity
from requests_app.models import Case
from requests_app.permissions import Role

DEMO_USERS = [
    # username, password, role, family name, given name
    ("staff", "staff-demo-2026", Role.STAFF, "山田", "花子"),
    ("manager", "manager-demo-2026", Role.MANAGER, "佐藤", "健一"),
    # A second manager: the one who submitted a decision does not approve it (APPI_FOUR_EYES).
    ("manager2", "manager2-demo-2026", Role.MANAGER, "高橋", "誠"),
    ("auditor", "auditor-demo-2026", Role.AUDITOR, "鈴木", "一郎"),
    ("admin", "admin-demo-2026", Role.ADMINISTRATOR, "管理", "太郎"),
]


class Command(BaseCommand):
    help = "Create the demo logins (one per role) and demo cases."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--cases", type=int, default=0, help="Add this many synthetic cases (bulk)."
        )
        parser.add_argument("--events-per-case", type=int, default=10)
        parser.add_argument(
            "--history-months",
            type=int,
            default=11,
            help="Months of past, closed cases before this one (for the SLA dashboard).",
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even with DEBUG off (demo passwords are public: never on a live system).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "seed_demo creates logins with published passwords; it runs only with "
                "DEBUG=true (or --allow-production on a throwaway database)."
            )
        users = self._users()
        by_department = demo_datamap.contacts()
        linked = demo_datamap.link_customer_database(
            users["manager"], rng=random.Random(options["seed"])
        )
        if linked:
            self.stdout.write(self.style.SUCCESS(f"Connector linked: {linked}."))
        rng = random.Random(options["seed"])
        if options["cases"]:
            created = bulk.create_cases(
                count=options["cases"],
                events_per_case=options["events_per_case"],
                workers=[users["staff"], users["manager"]],
                rng=rng,
                progress=lambda n: self.stdout.write(f"  {n} cases…"),
            )
            self.stdout.write(self.style.SUCCESS(f"Added {created} synthetic cases."))
        elif not Case.objects.exists():
            # The demo's letters are generated in line, and what is due today the periodic
            # sweep sends: queued messages would only make the worker replay finished steps.
            with queue.messages_held():
                self._history(users, rng, months=options["history_months"])
                self._demo_cases(users, rng)
                demo_datamap.searching_case(
                    staff=users["staff"], manager=users["manager"], by_department=by_department
                )
                self.stdout.write(self.style.SUCCESS("Added a case whose searches are under way."))
        self._print_logins()

    def _users(self) -> dict[str, Any]:
        user_model = get_user_model()
        users = {}
        for username, password, role, family, given in DEMO_USERS:
            user, _created = user_model.objects.get_or_create(username=username)
            user.last_name, user.first_name = family, given
            user.email = f"{username}@cmc.example.jp"
            user.is_staff = role is Role.ADMINISTRATOR
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=role.value)])
            users[username] = user
        return users

    def _print_logins(self) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins (one per role):"))
        for username, password, role, family, given in DEMO_USERS:
            self.stdout.write(f"  {role.label:<32} {username:<9} / {password}   ({family} {given})")
        contact = Role.DEPARTMENT_CONTACT.label
        for username, password, department, family, given in demo_datamap.DEMO_CONTACTS:
            self.stdout.write(
                f"  {contact:<32} {username:<9} / {password}   ({family} {given}, {department})"
            )
        self.stdout.write("")

    def _demo_cases(self, users: dict[str, Any], rng: random.Random) -> None:
        """One case in every state, walked there through the services like staff would."""
        staff, manager = users["staff"], users["manager"]
        today = timezone.localdate()
        plan = [
            (CaseState.RECEIVED, 1),
            (CaseState.AWAITING_IDENTITY, 3),
            (CaseState.AWAITING_DOCUMENTS, 25),
            (CaseState.IDENTITY_VERIFIED, 5),
            (CaseState.AWAITING_FEE, 6),
            (CaseState.IN_PROGRESS, 8),
            (CaseState.IN_PROGRESS, 20),
            (CaseState.AWAITING_COMPLETION, 10),
            (CaseState.AWAITING_APPROVAL, 9),
            (CaseState.APPROVED, 11),
            (CaseState.REFUSED, 12),
            (CaseState.REPLY_SENT, 15),
            (CaseState.CLOSED, 40),
            (CaseState.WITHDRAWN, 18),
            (CaseState.ABANDONED, 60),
        ]
        for target, days_ago in plan:
            kinds = demo.kinds(rng)
            if target is CaseState.AWAITING_FEE:
                kinds = ["disclosure"]
            if target is CaseState.REFUSED:
                # An inquiry or complaint is answered, never refused (Art. 40).
                kinds = [kind for kind in kinds if kind != "complaint"] or ["correction"]
            case = _open(staff, rng, today - timedelta(days=days_ago), kinds)
            demo.walk_to(case, target, staff=staff, manager=manager)
            if (target, days_ago) == (CaseState.AWAITING_IDENTITY, 3):
                demo_identity.log_scanned_licence(case, actor=staff)
        # Not by post: a complaint by telephone, taken up without documents, and a
        # disclosure asked for by e-mail, waiting for the written request.
        now = timezone.localtime().replace(minute=0, second=0, microsecond=0)
        called = now - timedelta(days=2, hours=1)
        phoned = _open(
            staff,
            rng,
            called.date(),
            ["complaint"],
            contact=services.ContactData(
                channel=Channel.TELEPHONE, contact_at=called, taken_by=staff
            ),
        )
        services.case_take_up_inquiry(case=phoned, actor=staff)
        mailed = now - timedelta(days=4, hours=2)
        _open(
            staff,
            rng,
            mailed.date(),
            ["disclosure"],
            contact=services.ContactData(
                channel=Channel.EMAIL, contact_at=mailed, email_sender="kaiji.request@example.jp"
            ),
        )
        self.stdout.write(self.style.SUCCESS(f"Added {len(plan) + 2} demo cases."))

    def _history(self, users: dict[str, Any], rng: random.Random, *, months: int) -> None:
        """Past cases, replied to and closed, walked through the services at their own dates.

        Every step of every case runs in date order, so the audit trail moves forward in
        time as it would have in the office.
        """
        if months <= 0:
            return
        staff, manager = users["staff"], users["manager"]
        plan = demo.plan_history(
            rng, today=timezone.localdate(), months=months, calendar=load_calendar()
        )
        agenda = sorted(
            [(past.arrival, number, -1, "") for number, past in enumerate(plan)]
            + [
                (day, number, step, state)
                for number, past in enumerate(plan)
                for step, (day, state) in enumerate(past.steps)
            ]
        )
        cases: dict[int, Any] = {}
        with demo.office_clock() as move:
            for day, number, step, state in agenda:
                move(day)
                if step < 0:
                    past = plan[number]
                    cases[number] = _open(staff, rng, past.arrival, past.kinds)
                else:
                    cases[number] = demo.walk_to(cases[number], state, staff=staff, manager=manager)
        self.stdout.write(
            self.style.SUCCESS(f"Added {len(plan)} past cases ({months} months of history).")
        )


def _open(
    staff: Any,
    rng: random.Random,
    arrival: Any,
    kinds: list[str],
    contact: services.ContactData | None = None,
) -> Any:
    p = demo.person(rng)
    by_post = contact is None
    return services.case_open(
        actor=staff,
        requester=services.RequesterData(**p.__dict__),
        case_data=services.CaseData(
            arrival_date=arrival,
            postmark_date=arrival - timedelta(days=1) if by_post else None,
            mail_type="simple_registered" if by_post else "ordinary",
            disclosure_method="paper" if "disclosure" in kinds else "",
        ),
        items=[services.ItemData(kind=k, details=demo.DETAILS[k]) for k in kinds],
        contact=contact,
    )

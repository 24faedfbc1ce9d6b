"""Every named route, tried by every persona: each role gets exactly what it may use.

The routes come from the URL configuration itself (`django.urls.get_resolver()`): every named
route of the app (the `requests_app` namespace, with its letters and exports, and `identity`),
signing in and out, the language switch, and the admin (its own pages and those of each
registered model). Each needs a rule in RULES saying who may use it and what they get; a
route without one fails `test_every_named_route_has_a_rule` by name, so no route is added
without deciding who may use it.

Each route is one test that tries it with every persona: GET, and POST where the route
takes one. One world serves the whole module (a case in progress with its items, rows and a
generated letter; a case awaiting identity with a scanned document; a generated batch and a
pending one; an auditor's finished export), built once inside a transaction that is rolled
back at the end; every request runs in a savepoint rolled back after it, so every persona
meets the same world.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from identity import scans
from identity import services as identity_services
from identity.models import DocumentType
from identity.reference import seed_document_types
from requests_app.audit import AuditEvent, ensure_chain_head
from requests_app.datamap import services as datamap
from requests_app.datamap.models import DataSystem, Department
from requests_app.datamap.reference import seed_data_map
from requests_app.letters import services as letter_services
from requests_app.letters.services import RecordRow
from requests_app.models import ClosureDay, SLAPolicy
from requests_app.permissions import Role, sync_roles
from requests_app.reference import seed_deadline_reference_data
from tests.clock import office_time
from tests.conftest import PASSWORD, make_user
from tests.factories import make_case, stored_files_in_place
from tests.identity.factories import log_document
from tests.identity.files import small_pdf
from tests.requests_app.exports.conftest import build

pytestmark = pytest.mark.django_db

PERSONAS = (
    "anonymous",
    "staff",
    "manager",
    "auditor",
    "administrator",
    "outsider",
    "superuser",
    "contact",
)
SIGNED_IN = frozenset(PERSONAS) - {"anonymous"}
# Who may do what, written out here rather than read from permissions.py: this is the
# policy under test.
READERS = frozenset({"staff", "manager", "auditor", "administrator", "superuser"})
WORKERS = frozenset({"staff", "manager", "superuser"})
APPROVERS = frozenset({"manager", "superuser"})
OVERSEERS = frozenset({"manager", "auditor", "superuser"})  # the SLA dashboard; exports
ADMINS = frozenset({"administrator", "superuser"})  # the admin, reference data
SUPERUSERS = frozenset({"superuser"})  # users' accounts and roles, sign-in records
MAP_KEEPERS = frozenset({"manager", "administrator", "superuser"})  # edit the data map
# A department contact (部門担当者) answers their department's search tasks and uses nothing
# else. A superuser holds the capability too, but is no department's contact: the tasks
# are the contact's own (`owner`), and the superuser is told they do not exist (404).
CONTACTS = frozenset({"contact", "superuser"})
# Roles with no capability that writes: the middleware refuses their POSTs (403) except
# to routes marked for them (signing out, the language, asking for an export).
READ_ONLY = frozenset({"auditor", "outsider"})

TODAY = date(2026, 11, 30)  # a Monday


@dataclass(frozen=True)
class Rule:
    """Who may use a route, and what they get.

    `get` and `post`: the status those in `who` get (`post` None: the route takes no POST
    and is not sent one). A signed-in persona outside `who` gets `refused`, or, on a page
    of the admin (`admin_page`) when they may not enter the admin at all, the admin's
    sign-in page (302). Anonymous visitors are sent to sign in, unless `anonymous_gets`
    says what they get instead. `read_only_post`: read-only roles may POST here. `owner`:
    the object is that persona's own, and the others in `who` get 404 (they may not know
    it exists). `kwargs` names the world's objects for the URL's arguments where the
    default for the argument's name does not fit; `data` is what a POST sends (nothing by
    default).
    """

    who: frozenset[str]
    get: int
    post: int | None = None
    refused: int = 403
    admin_page: bool = False
    anonymous_gets: int | None = None
    read_only_post: bool = False
    owner: str | None = None
    kwargs: dict[str, str] = field(default_factory=dict)
    data: Callable[[dict[str, Any]], dict[str, Any]] | None = None

    def allows(self, persona: str, method: str) -> bool:
        """Whether `persona` (signed in) may use the route with `method` at all."""
        if method == "post" and persona in READ_ONLY and not self.read_only_post:
            return False
        return persona in self.who and self.owner in (None, persona)

    def expected(self, persona: str, method: str) -> int:
        if persona == "anonymous":
            return 302 if self.anonymous_gets is None else self.anonymous_gets
        if method == "post" and persona in READ_ONLY and not self.read_only_post:
            return 403
        if persona not in self.who:
            return 302 if self.admin_page and persona not in ADMINS else self.refused
        wanted = self.get if method == "get" else self.post
        assert wanted is not None
        if self.owner is not None and persona != self.owner:
            # A method the route does not take is refused before anything is looked up.
            return 405 if wanted == 405 else 404
        return wanted


IDENTITY_CASE = {"reference": "identity_reference"}

# Outside the admin. For those allowed: 200 a page; 302 done, or refused by a business rule
# with the reason shown on the page it goes back to; 400 the form again with what is wrong;
# 404 no such object for this route; 405 a route that only takes POST, asked with GET.
APP_RULES: dict[str, Rule] = {
    # Signing in and out, the language switch.
    "login": Rule(SIGNED_IN, get=200, post=200, anonymous_gets=200),
    "logout": Rule(SIGNED_IN, get=405, post=302, read_only_post=True),
    "set_language": Rule(
        SIGNED_IN,
        get=302,
        post=302,
        anonymous_gets=302,
        read_only_post=True,
        data=lambda w: {"language": "en", "next": "/"},
    ),
    # Cases.
    "requests_app:home": Rule(SIGNED_IN, get=200),
    "requests_app:approvals": Rule(APPROVERS, get=200),
    "requests_app:case_list": Rule(READERS, get=200),
    "requests_app:dashboard": Rule(OVERSEERS, get=200),
    "requests_app:case_create": Rule(WORKERS, get=200, post=400),
    "requests_app:case_detail": Rule(READERS, get=200),
    "requests_app:case_edit": Rule(WORKERS, get=200, post=400),
    "requests_app:case_transition": Rule(
        WORKERS,
        get=405,
        post=302,
        data=lambda w: {"expected_state": "in_progress", "reason": "補正のお願い"},
    ),
    "requests_app:extend_deadline": Rule(
        WORKERS,
        get=405,
        post=302,
        data=lambda w: {"expected_state": "in_progress", "business_days": "2", "reason": "繁忙期"},
    ),
    # The world's case did not come by telephone or e-mail: the page comes back with why.
    "requests_app:written_request": Rule(
        WORKERS,
        get=405,
        post=400,
        data=lambda w: {
            "expected_state": "in_progress",
            "arrival_date": TODAY.isoformat(),
            "mail_type": "ordinary",
        },
    ),
    "requests_app:guide_emailed": Rule(
        WORKERS,
        get=405,
        post=400,
        data=lambda w: {"sent_at": "2026-11-30T09:00"},
    ),
    "requests_app:note_create": Rule(
        WORKERS, get=405, post=302, data=lambda w: {"body": "確認済み"}
    ),
    "requests_app:assign": Rule(WORKERS, get=405, post=302, data=lambda w: {"assignee": ""}),
    "requests_app:fee_payment": Rule(WORKERS, get=405, post=400),
    # What was asked of the requester arrived: the world's case is not waiting, so the page
    # comes back with the reason (400), like the case page's other small forms.
    "requests_app:case_arrival": Rule(
        WORKERS,
        get=405,
        post=400,
        kwargs={"name": "arrival_name"},
        data=lambda w: {"expected_state": "in_progress", "received_on": TODAY.isoformat()},
    ),
    "requests_app:item_outcome": Rule(
        WORKERS, get=405, post=302, data=lambda w: {f"item{w['item_id']}-outcome": "done"}
    ),
    # Exports. The export in the world is the auditor's: nobody else may see it.
    "requests_app:export_list": Rule(
        OVERSEERS,
        get=200,
        post=302,
        read_only_post=True,
        data=lambda w: {"arrival_from": "2020-01-01"},
    ),
    "requests_app:export_detail": Rule(OVERSEERS, get=200, owner="auditor"),
    "requests_app:export_status": Rule(OVERSEERS, get=200, owner="auditor"),
    "requests_app:export_download": Rule(OVERSEERS, get=200, owner="auditor"),
    "requests_app:case_dossier": Rule(OVERSEERS, get=200),
    # Letters.
    "requests_app:letter_request": Rule(
        WORKERS, get=405, post=302, data=lambda w: {"kind": "acknowledgement", "language": "ja"}
    ),
    "requests_app:letter_status": Rule(READERS, get=200),
    "requests_app:letter_detail": Rule(READERS, get=200, kwargs={"pk": "letter"}),
    "requests_app:letter_preview": Rule(READERS, get=200, kwargs={"pk": "letter"}),
    "requests_app:letter_download": Rule(READERS, get=200, kwargs={"pk": "letter"}),
    # An acknowledgement needs no approval: the letter's page says so.
    "requests_app:letter_approve": Rule(APPROVERS, get=405, post=302, kwargs={"pk": "letter"}),
    "requests_app:letter_mailing": Rule(WORKERS, get=405, post=400, kwargs={"pk": "letter"}),
    "requests_app:letter_returned": Rule(WORKERS, get=405, post=400, kwargs={"pk": "letter"}),
    "requests_app:letter_retry": Rule(WORKERS, get=405, post=302, kwargs={"pk": "letter"}),
    "requests_app:item_records_add": Rule(WORKERS, get=405, post=400),
    "requests_app:item_record_remove": Rule(WORKERS, get=405, post=302, kwargs={"pk": "record"}),
    # Marking a record of provision as excluded (Enforcement Order Art. 11); the world's
    # record is a disclosure's, so it is refused with the reason shown (302).
    "requests_app:item_record_exclude": Rule(
        WORKERS, get=405, post=302, kwargs={"pk": "record"}, data=lambda w: {"excluded": "1"}
    ),
    "requests_app:item_change_add": Rule(
        WORKERS, get=405, post=400, kwargs={"item_id": "change_item_id"}
    ),
    "requests_app:item_change_remove": Rule(
        WORKERS, get=405, post=302, kwargs={"item_id": "change_item_id", "pk": "change"}
    ),
    "requests_app:letter_batches": Rule(READERS, get=200),
    "requests_app:letter_batch_create": Rule(WORKERS, get=405, post=400),
    "requests_app:letter_batch": Rule(READERS, get=200, kwargs={"pk": "batch"}),
    "requests_app:letter_batch_pdf": Rule(READERS, get=200, kwargs={"pk": "batch"}),
    "requests_app:letter_batch_mailing": Rule(WORKERS, get=405, post=400, kwargs={"pk": "batch"}),
    "requests_app:letter_batch_requeue": Rule(
        WORKERS, get=405, post=302, kwargs={"pk": "pending_batch"}
    ),
    # Identity documents, on the case awaiting identity. The scan: staff and managers only
    # (auditors see that it exists, never the image).
    "identity:document_create": Rule(WORKERS, get=405, post=400, kwargs=IDENTITY_CASE),
    "identity:document_withdraw": Rule(WORKERS, get=405, post=400, kwargs=IDENTITY_CASE),
    "identity:masking_confirm": Rule(WORKERS, get=405, post=400, kwargs=IDENTITY_CASE),
    "identity:document_destroy": Rule(WORKERS, get=405, post=302, kwargs=IDENTITY_CASE),
    "identity:document_scan": Rule(WORKERS, get=200, kwargs=IDENTITY_CASE),
    "identity:document_scan_download": Rule(WORKERS, get=200, kwargs=IDENTITY_CASE),
    "identity:guardian": Rule(WORKERS, get=405, post=400, kwargs=IDENTITY_CASE),
    "identity:shredding": Rule(READERS, get=200),
    "identity:shredding_confirm": Rule(WORKERS, get=405, post=302),
    "requests_app:item_record_edit": Rule(WORKERS, get=405, post=302, kwargs={"pk": "record"}),
    # The data map (個人情報管理台帳): read by readers, edited by its keepers.
    "datamap:system_list": Rule(READERS, get=200),
    "datamap:system_detail": Rule(READERS, get=200),
    "datamap:system_create": Rule(MAP_KEEPERS, get=200, post=400),
    "datamap:system_edit": Rule(MAP_KEEPERS, get=200, post=400),
    "datamap:department_list": Rule(READERS, get=200),
    "datamap:department_create": Rule(MAP_KEEPERS, get=200, post=400),
    "datamap:department_edit": Rule(MAP_KEEPERS, get=200, post=400),
    "datamap:export": Rule(READERS, get=200),
    # A department contact's tasks: only their own department's.
    "datamap:task_list": Rule(CONTACTS, get=200),
    "datamap:task_answered": Rule(CONTACTS, get=200),
    "datamap:task_detail": Rule(CONTACTS, get=200, owner="contact"),
    "datamap:finding_add": Rule(CONTACTS, get=405, post=400, owner="contact"),
    "datamap:finding_remove": Rule(CONTACTS, get=405, post=302, owner="contact"),
    "datamap:row_decide": Rule(CONTACTS, get=405, post=400, owner="contact"),
    "datamap:change_add": Rule(CONTACTS, get=405, post=400, owner="contact"),
    "datamap:change_remove": Rule(CONTACTS, get=405, post=302, owner="contact"),
    "datamap:task_answer": Rule(CONTACTS, get=405, post=400, owner="contact"),
    # The customer database is searched by hand in this world: nothing to run again.
    "datamap:task_connector": Rule(CONTACTS, get=405, post=400, owner="contact"),
    # Staff send the searches of a case and review the answers; readers see the answers.
    "datamap:search_send": Rule(WORKERS, get=405, post=400),
    "datamap:search_review": Rule(READERS, get=200),
    # The world's task waits for its department: nothing to accept yet (the page says so).
    "datamap:search_accept": Rule(WORKERS, get=405, post=400),
    "datamap:search_return": Rule(WORKERS, get=405, post=400),
    "datamap:search_cancel": Rule(WORKERS, get=405, post=400),
    "datamap:provision_link": Rule(WORKERS, get=405, post=302),
    "datamap:provision_unlink": Rule(WORKERS, get=405, post=302),
    # The register of provision to third parties (第三者提供記録).
    "datamap:provision_list": Rule(READERS, get=200),
    "datamap:provision_detail": Rule(READERS, get=200),
    "datamap:provision_create": Rule(WORKERS, get=200, post=400),
    "datamap:provision_import": Rule(WORKERS, get=200, post=400),
    "datamap:provision_template": Rule(WORKERS, get=200),
}

# The admin. Signed-in people who may not enter it (no `is_staff`) are sent to its own
# sign-in page (302); an administrator asking for what the role does not cover gets 403.
# Its sign-in page sends those who may enter it on to the index, and shows the others
# the form (saying who they are signed in as).
ADMIN_SITE_RULES: dict[str, Rule] = {
    "admin:index": Rule(ADMINS, get=200, admin_page=True),
    "admin:login": Rule(ADMINS, get=302, post=200, refused=200, anonymous_gets=200),
    "admin:logout": Rule(ADMINS, get=405, post=302, admin_page=True),
    "admin:password_change": Rule(ADMINS, get=200, post=200, admin_page=True),
    "admin:password_change_done": Rule(ADMINS, get=200, admin_page=True),
    "admin:jsi18n": Rule(ADMINS, get=200, admin_page=True),
    # Asked nothing (no field to complete), the autocomplete refuses.
    "admin:autocomplete": Rule(ADMINS, get=403, admin_page=True),
    # No model here has a page on the site to go to.
    "admin:view_on_site": Rule(ADMINS, get=404, admin_page=True),
    "admin:app_list": Rule(ADMINS, get=200, admin_page=True, kwargs={"app_label": "app_label"}),
}


def model_rules(
    model: str, who: frozenset[str], *, delete: bool, add: bool = True, read_only: bool = False
) -> dict[str, Rule]:
    """The admin's five pages for one model. POSTs send nothing (the form comes back, 200),
    except the deletion's confirmation; a `read_only` model's change page has no field to
    get wrong, so its POST saves nothing and goes back to the list (302)."""
    one = {"object_id": model}
    confirm: Callable[[dict[str, Any]], dict[str, Any]] = lambda w: {"post": "yes"}  # noqa: E731

    def page(get: int, post: int | None = None, **rest: Any) -> Rule:
        return Rule(who, get=get, post=post, admin_page=True, **rest)

    return {
        f"admin:{model}_changelist": page(200, 200),
        f"admin:{model}_add": page(200, 200) if add else page(403, 403),
        f"admin:{model}_change": page(200, 302 if read_only else 200, kwargs=one),
        f"admin:{model}_history": page(200, kwargs=one),
        f"admin:{model}_delete": page(200, 302, kwargs=one, data=confirm)
        if delete
        else page(403, 403, kwargs=one, data=confirm),
    }


ADMIN_MODEL_RULES: dict[str, Rule] = {
    **model_rules("requests_app_closureday", ADMINS, delete=True),
    # Every kind keeps its policy: nobody deletes one.
    **model_rules("requests_app_slapolicy", ADMINS, delete=False),
    # The world's extra type is in no document's use, so it may go.
    **model_rules("identity_documenttype", ADMINS, delete=True),
    # Accounts are deactivated, never deleted: the audit trail names them.
    **model_rules("auth_user", SUPERUSERS, delete=False),
    "admin:auth_user_password_change": Rule(
        SUPERUSERS, get=200, post=200, admin_page=True, kwargs={"id": "auth_user"}
    ),
    # django-axes' records of sign-ins, for superusers (deleting an attempt unlocks a user).
    **model_rules("axes_accessattempt", SUPERUSERS, delete=True, add=False, read_only=True),
    **model_rules("axes_accesslog", SUPERUSERS, delete=True, add=False, read_only=True),
    **model_rules("axes_accessfailurelog", SUPERUSERS, delete=True, add=False, read_only=True),
}

RULES: dict[str, Rule] = {**APP_RULES, **ADMIN_SITE_RULES, **ADMIN_MODEL_RULES}


# --- the routes, from the URL configuration ----------------------------------------------

ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>")  # <str:reference>, <id>, (?P<app_label>...)


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    view: Callable[..., Any]

    @property
    def arguments(self) -> list[str]:
        return ARGUMENT.findall(self.pattern)

    @property
    def takes_post(self) -> bool | None:
        """Whether a class-based view has a POST handler (None: a function view)."""
        view_class = getattr(self.view, "view_class", None)
        return None if view_class is None else hasattr(view_class, "post")


def named_routes(entries: list[Any], namespace: str = "", prefix: str = "") -> Iterator[Route]:
    for entry in entries:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or ""
            inner = f"{namespace}:{inner}" if namespace and inner else namespace or inner
            yield from named_routes(entry.url_patterns, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield Route(name, prefix + str(entry.pattern), entry.callback)


ROUTES = {route.name: route for route in named_routes(get_resolver().url_patterns)}


def test_every_named_route_has_a_rule() -> None:
    missing = sorted(set(ROUTES) - set(RULES))
    assert not missing, f"routes with no rule in RULES (decide who may use them): {missing}"
    stale = sorted(set(RULES) - set(ROUTES))
    assert not stale, f"rules for routes that do not exist: {stale}"
    # The app's own areas are all here, not only the admin.
    for namespace in ("requests_app:", "identity:", "admin:"):
        assert sum(name.startswith(namespace) for name in ROUTES) >= 8, namespace


def test_a_class_based_view_takes_post_exactly_where_its_rule_says() -> None:
    for name, route in ROUTES.items():
        if route.takes_post is not None and name in RULES:
            assert route.takes_post == (RULES[name].post is not None), name


# --- the world every route is tried in ---------------------------------------------------


@pytest.fixture
def media_root() -> None:
    """The module's world keeps its files (letters, scans, the export) in one folder for
    all its tests, instead of a fresh one per test (tests/conftest.py)."""


def build_world() -> tuple[dict[str, User], dict[str, Any]]:
    ensure_chain_head()
    sync_roles()
    seed_document_types()
    seed_deadline_reference_data()
    seed_data_map()
    people: dict[str, User] = {
        "staff": make_user("hanako", Role.STAFF, family="山田", given="花子"),
        "manager": make_user("kenichi", Role.MANAGER, family="佐藤", given="健一"),
        "auditor": make_user("ichiro", Role.AUDITOR, family="鈴木", given="一郎"),
        "administrator": make_user("taro", Role.ADMINISTRATOR, family="管理", given="太郎"),
        "outsider": make_user("outsider", None, family="部外", given="者"),
        "superuser": User.objects.create_superuser("root", "root@cmc.example.jp", PASSWORD),
        "contact": make_user("jiro", Role.DEPARTMENT_CONTACT, family="中村", given="次郎"),
    }
    Department.objects.get(name="営業本部").contacts.add(people["contact"])
    staff, manager = people["staff"], people["manager"]
    case = make_case(
        actor=staff,
        manager=manager,
        kinds=("disclosure", "correction", "third_party_records"),
        state="in_progress",
    )
    disclosure, correction, records_item = case.items.order_by("id")
    [record] = letter_services.item_add_disclosed_records(
        item=disclosure,
        actor=staff,
        rows=[RecordRow("連絡先", "電話番号", "052-322-3355", "顧客台帳")],
    )
    change = letter_services.item_add_change(
        item=correction, actor=staff, subject="住所", before="旧住所", after="新住所"
    )
    # The data map: the customer database's task for the contact, with an item found and
    # a correction made; a record of provision marked as the person's.
    customer_db = DataSystem.objects.get(name="顧客管理データベース")
    [task] = datamap.searches_send(case=case, actor=staff, system_ids=[customer_db.pk])
    finding = datamap.finding_add(
        task=task,
        actor=people["contact"],
        data=datamap.FindingData(category="基本情報", item="氏名", content="x", location="y"),
    )
    report = datamap.change_add(
        task=task,
        actor=people["contact"],
        data=datamap.ChangeData(
            kind="correction", action="corrected", subject="住所", before="旧", after="新",
            done_on=TODAY,
        ),
    )  # fmt: skip
    provision = datamap.provision_add(
        actor=staff,
        data=datamap.ProvisionData(
            system_id=customer_db.pk, direction="provided", basis="consent",
            consent_obtained=True, counterpart_name="株式会社中部イベント企画",
            counterpart_address="愛知県名古屋市中村区名駅四丁目7番1号",
            counterpart_is_corporation=False, person_name=case.requester.name,
            data_items="氏名", last_provision_on=TODAY,
        ),
    )  # fmt: skip
    link = datamap.provision_link(item=records_item, actor=staff, record=provision)
    letter = letter_services.letter_request(case=case, actor=staff, kind="acknowledgement")
    with stored_files_in_place():  # as the worker's commit would
        letter_services.letter_generate(letter_id=letter.pk)
    # A case awaiting identity: one scanned document so far, so a request for the missing
    # one is due (a batch, generated); a second such case makes a batch left pending.
    identity_case = make_case(actor=staff, state="awaiting_identity")
    document = log_document(identity_case, staff, "drivers_licence", scan=scans.check(small_pdf()))
    batch = letter_services.batch_request(actor=staff, kind="deficiency").batch
    with stored_files_in_place():
        letter_services.batch_generate(batch_id=batch.pk)
    make_case(actor=staff, state="awaiting_identity")
    pending_batch = letter_services.batch_request(actor=staff, kind="deficiency").batch
    export = build(people["auditor"])
    student_id = identity_services.document_type_save(
        actor=people["administrator"],
        document_type=DocumentType(code="student_id", name_ja="学生証", name_en="Student ID"),
    )
    # From another address than the test client's: a sign-in from 127.0.0.1 clears
    # that address's failed attempts (AXES_RESET_ON_SUCCESS).
    sign_in = {"user_agent": "test", "ip_address": "192.0.2.10", "username": "hanako"}
    world = {
        "reference": case.reference,
        "item_id": disclosure.pk,
        "change_item_id": correction.pk,
        "record": record.pk,
        "change": change.pk,
        "letter": letter.pk,
        "name": "request_completion",
        "arrival_name": "receive_completion",
        "identity_reference": identity_case.reference,
        "document_id": document.pk,
        "batch": batch.pk,
        "pending_batch": pending_batch.pk,
        "export_id": export.pk,
        "app_label": "requests_app",
        "content_type_id": "1",
        "object_id": "1",
        "requests_app_closureday": ClosureDay.objects.order_by("pk").first().pk,  # type: ignore[union-attr]
        "requests_app_slapolicy": SLAPolicy.objects.order_by("pk").first().pk,  # type: ignore[union-attr]
        "identity_documenttype": student_id.pk,
        "auth_user": staff.pk,
        "axes_accessattempt": AccessAttempt.objects.create(
            **sign_in, get_data="", post_data="", failures_since_start=1
        ).pk,
        "axes_accesslog": AccessLog.objects.create(**sign_in).pk,
        "axes_accessfailurelog": AccessFailureLog.objects.create(**sign_in).pk,
        "system_id": customer_db.pk,
        "department_id": customer_db.department_id,
        "file_format": "csv",
        "task_id": task.pk,
        "finding_id": finding.pk,
        "change_id": report.pk,
        "record_id": provision.pk,
        "link_id": link.pk,
    }
    assert letter_services.Letter.objects.get(pk=letter.pk).is_ready
    return people, world


@pytest.fixture(scope="module")
def world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[dict[str, User], dict[str, Any]]]:
    media = tmp_path_factory.mktemp("access-media")
    with (
        django_db_blocker.unblock(),
        # No cool-off: axes would otherwise clear the world's failed sign-in as expired,
        # reading the real clock while the world's stamps are in office time.
        override_settings(MEDIA_ROOT=str(media), AXES_COOLOFF_TIME=None),
        office_time(TODAY),
    ):
        # Rolled back at the end: nothing of this world outlives the module.
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def url_for(route: Route, rule: Rule, world: dict[str, Any]) -> str:
    kwargs = {}
    for argument in route.arguments:
        key = rule.kwargs.get(argument, argument)
        assert key in world, f"{route.name}: nothing in the world for <{argument}>"
        kwargs[argument] = world[key]
    return reverse(route.name, kwargs=kwargs)


def trail_length() -> int:
    # Opening a case page is audited for whoever may open it; everything else is a change.
    return AuditEvent.objects.exclude(action="case.viewed").count()


def attempt(user: User | None, method: str, url: str, data: dict[str, Any]) -> Any:
    """One request, in a savepoint rolled back after it: the world stays as it was.
    `response.trail_grew` says whether the request added to the audit trail."""
    with transaction.atomic():
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        if user is not None:
            client.force_login(user)
        before = trail_length()
        response = getattr(client, method)(url, data)
        response.trail_grew = trail_length() != before
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize("name", sorted(set(RULES) | set(ROUTES)))
def test_every_persona_gets_what_the_rule_says(
    name: str, world: tuple[dict[str, User], dict[str, Any]]
) -> None:
    if name not in RULES:
        pytest.fail(f"{name}: no rule in RULES says who may use this route")
    if name not in ROUTES:
        pytest.fail(f"{name}: a rule for a route that does not exist")
    people, objects = world
    route, rule = ROUTES[name], RULES[name]
    url = url_for(route, rule, objects)
    methods = ("get", "post") if rule.post is not None else ("get",)
    data = rule.data(objects) if rule.data else {}
    wrong = []
    for persona in PERSONAS:
        for method in methods:
            response = attempt(people.get(persona), method, url, data if method == "post" else {})
            expected = rule.expected(persona, method)
            refused = persona == "anonymous" or not rule.allows(persona, method)
            if response.status_code != expected:
                wrong.append(f"{persona} {method.upper()}: {response.status_code}, not {expected}")
            elif refused and response.trail_grew:
                wrong.append(f"{persona} {method.upper()}: refused, yet the audit trail grew")
            elif persona == "anonymous" and rule.anonymous_gets is None:
                # The admin's own pages send to its sign-in page, its models' pages to
                # the site's (Django's LoginRequiredMiddleware sees them first).
                pages = ("login", "admin:login") if rule.admin_page else ("login",)
                targets = tuple(f"{reverse(page)}?next=" for page in pages)
                if not response["Location"].startswith(targets):
                    wrong.append(f"anonymous {method.upper()}: sent to {response['Location']}")
    assert not wrong, f"{name} ({url}): " + "; ".join(wrong)


def test_an_auditor_reads_a_case_but_is_offered_no_step(
    world: tuple[dict[str, User], dict[str, Any]],
) -> None:
    people, objects = world
    url = reverse("requests_app:case_detail", args=[objects["reference"]])
    for persona, offered in (("auditor", False), ("staff", True)):
        page = attempt(people[persona], "get", url, {})
        assert page.status_code == 200
        assert (b'data-action="submit_for_approval"' in page.content) == offered, persona


def test_an_unknown_case_is_404_for_every_reader(
    world: tuple[dict[str, User], dict[str, Any]],
) -> None:
    people, _objects = world
    url = reverse("requests_app:case_detail", args=["2026-999999"])
    for persona in sorted(READERS):
        assert attempt(people[persona], "get", url, {}).status_code == 404, persona

"""In a real browser: every page of every role runs under the Content-Security-Policy with no
violation (no inline script or style, no eval, nothing from elsewhere), the letter preview and
the identity scan included, and the scripts still do their work."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from identity import scans
from requests_app import services
from requests_app.choices import CaseState
from requests_app.exports import services as exports
from requests_app.exports.bundle import Criteria
from requests_app.letters import services as letters
from requests_app.models import Case
from tests.browser.test_case_flow import sign_in
from tests.factories import make_case
from tests.identity.factories import log_document
from tests.identity.files import small_pdf
from tests.requests_app.letters.conftest import generate

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

# Every violation in any frame of the page is kept, with what a person needs to fix it.
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__csp.push([event.effectiveDirective, event.blockedURI, event.sourceFile + ":" +
                     event.lineNumber, event.sample].join(" | "));
});
"""
# Links that start a download, change something or leave the app are not pages to walk.
NOT_PAGES = re.compile(
    r"/download/|/dossier\.pdf$|/pdf/$|/logout/|/i18n/|/admin/r/|/delete/|/history/|^mailto:"
)

DETAIL = re.compile(r"/exports/\d+/$|/letters/batches/\d+/$")


class Walk:
    """A signed-in browser that opens pages and collects every policy violation."""

    def __init__(self, page: Page, base: str) -> None:
        self.page, self.base = page, base
        self.console: list[str] = []
        self.violations: list[str] = []
        self.seen: set[str] = set()
        page.add_init_script(LISTEN)
        page.on("console", self._on_console)

    def _on_console(self, message: ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text or "Permissions-Policy" in text:
            self.console.append(f"{self.page.url}: {text}")

    def open(self, url: str) -> int:
        self.seen.add(url)
        response = self.page.goto(url, wait_until="load")
        self.page.wait_for_timeout(150)  # scripts that run after load (defer, timers)
        self.collect()
        return response.status if response else 0

    def collect(self) -> None:
        for frame in self.page.frames:
            try:
                found = frame.evaluate("window.__csp ? window.__csp.splice(0) : []")
            except Exception:  # noqa: S112 (a PDF viewer frame has no page script)
                continue
            self.violations += [f"{frame.url}: {item}" for item in found]

    def links(self, selector: str = "a[href]") -> list[str]:
        hrefs = self.page.eval_on_selector_all(
            selector, "links => links.map(link => link.getAttribute('href'))"
        )
        found = []
        for href in hrefs:
            url = urljoin(self.page.url, href).split("#")[0]
            if urlsplit(url).netloc == urlsplit(self.base).netloc and not NOT_PAGES.search(url):
                found.append(url)
        return list(dict.fromkeys(found))

    def walk(self, urls: list[str]) -> None:
        for url in urls:
            if url not in self.seen:
                assert self.open(url) < 500, url

    def assert_clean(self) -> None:
        assert self.violations == [] and self.console == [], "\n".join(
            self.violations + self.console
        )


@pytest.fixture
def office(staff: Any, manager: Any, auditor: Any, administrator: Any) -> Case:
    """A case with something in every section: documents with a scan, a letter ready to
    preview, a note; another case in each state; an export that is ready."""
    case = make_case(actor=staff, manager=manager, kinds=("disclosure",), state="received")
    for state in (CaseState.IN_PROGRESS, CaseState.AWAITING_APPROVAL, CaseState.CLOSED):
        make_case(actor=staff, manager=manager, state=state)
    services.case_begin_identity_check(case=case, actor=staff)
    log_document(case, staff, "drivers_licence", scan=scans.check(small_pdf()))
    generate(letters.letter_request(case=case, actor=staff, kind="acknowledgement"))
    batch = letters.batch_request(actor=staff, kind="deficiency").batch
    letters.batch_generate(batch_id=batch.pk)
    export = exports.export_request(actor=auditor, criteria=Criteria(), language="en")
    exports.export_build(export_id=export.pk)
    return Case.objects.get(pk=case.pk)


def test_the_listener_sees_a_violation(page: Page, live_server: Any, staff: Any) -> None:
    # A walk that cannot see a violation proves nothing: an inline style is refused and seen.
    walk = Walk(page, live_server.url)
    walk.open(f"{live_server.url}/accounts/login/")
    page.evaluate("document.body.setAttribute('style', 'background: red')")
    page.evaluate(
        "var s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        "document.body.appendChild(s)"
    )
    page.wait_for_timeout(100)
    walk.collect()
    assert page.evaluate("window.ran") is None
    assert {v.split(" | ")[0].rsplit(" ", 1)[-1] for v in walk.violations} >= {
        "style-src-attr",
        "script-src-elem",
    }


@pytest.mark.parametrize(
    ("username", "role"),
    [("hanako", "staff"), ("kenichi", "manager"), ("ichiro", "auditor"), ("taro", "admin")],
)
def test_every_page_of_every_role_runs_without_a_violation(
    page: Page, live_server: Any, office: Case, username: str, role: str
) -> None:
    base = live_server.url
    walk = Walk(page, base)
    walk.open(f"{base}/accounts/login/")
    sign_in(page, base, username)
    walk.collect()
    for language in ("ja", "en"):
        if language == "en":
            walk.open(f"{base}/")
            page.click("header >> text=English")
            walk.seen.clear()
        walk.walk([base + "/"])
        for url in walk.links("nav.mainnav a"):
            if url not in walk.seen:
                walk.open(url)
                # An export's or a batch's own page, from its list.
                walk.walk([link for link in walk.links("main a") if DETAIL.search(link)])
        if role == "admin":
            walk.open(f"{base}/admin/")
            walk.walk(walk.links("#content-main a"))
            walk.walk([f"{base}/admin/identity/documenttype/1/change/"])
            continue
        # The representative case and every page it links to, the letter page (with its
        # preview frame) and the scan among them.
        walk.open(f"{base}/cases/{office.reference}/")
        walk.walk(walk.links("main a[href]"))
    # The error pages.
    assert walk.open(f"{base}/cases/2000-999999/") == 404
    walk.walk([f"{base}/exports/999999/"])
    walk.assert_clean()
    assert len(walk.seen) >= 8, walk.seen


def test_the_scripts_and_the_pdf_viewer_work_under_the_policy(
    page: Page, live_server: Any, office: Case, staff: Any
) -> None:
    base = live_server.url
    walk = Walk(page, base)
    sign_in(page, base, "hanako")
    page.click("text=English")
    walk.open(f"{base}/cases/{office.reference}/")
    # letters.js: the extension notice's fields show only for an extension notice.
    due = page.locator("#id_new_due_date")
    expect(due).to_be_hidden()
    page.select_option("#id_kind", "extension")
    expect(due).to_be_visible()
    page.select_option("#id_kind", "acknowledgement")
    expect(due).to_be_hidden()
    # identity.js: the document form shows only what the chosen type needs.
    address = page.locator("#document-form [data-show=address]")
    page.select_option("#id_document_type", label="Passport")
    expect(address).to_be_hidden()
    page.select_option("#id_document_type", label="Driver's licence")
    expect(address).to_be_visible()

    # The letter's preview: Chromium's PDF viewer opens the letter inside the frame.
    page.click("table.letters >> text=Preview")
    expect(page.locator("iframe.letter-preview")).to_be_visible()

    def viewer_title() -> str:
        for frame in page.frames:
            if frame.url.startswith("chrome-extension://"):
                return str(frame.evaluate("document.title"))
        return ""

    deadline = time.monotonic() + 15
    while not viewer_title() and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert viewer_title() == "開示等のご請求の受付について"  # the letter's own PDF title
    walk.collect()
    walk.assert_clean()

from typing import Any
import pytest
from playwright.sync_api import Page
from tests.browser.test_case_flow import sign_in
from tests.factories import make_case
from requests_app.models import CaseState
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

def test_shot(page: Page, live_server: Any, staff: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    from tests.identity.factories import log_document
    log_document(case, staff, "eligibility_certificate", maskings=[])
    log_document(case, staff, "passport")
    sign_in(page, live_server.url, "hanako")
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    page.set_viewport_size({"width": 1300, "height": 900})
    page.locator("#identity").screenshot(path="/tmp/identity_ja.png")
    page.click("text=English")
    page.goto(f"{live_server.url}/cases/{case.reference}/#identity")
    page.locator("#identity").screenshot(path="/tmp/identity_en.png")
    page.select_option("#id_document_type", label="Passport")
    page.locator("#document-form").screenshot(path="/tmp/form_passport.png")

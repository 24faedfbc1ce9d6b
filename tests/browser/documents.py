"""Browser steps for the identity section: log a document the way staff do."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def log_document(
    page: Page,
    *,
    type_label: str,
    name: str,
    born: str,
    expires: str = "",
    address: str = "",
    maskings: tuple[str, ...] = (),
    location: str = "書庫A-3",
) -> None:
    """Fill the document form of the case page and submit it (English interface)."""
    form = page.locator("#document-form")
    if not form.is_visible():
        page.click("text=Log a document from the envelope")
    form.locator("#id_document_type").select_option(label=type_label)
    form.locator("#id_name_shown").fill(name)
    form.locator("#id_date_of_birth_shown").fill(born)
    if address:
        form.locator("#id_address_shown").fill(address)
    if expires:
        form.locator("#id_expires_on").fill(expires)
    for masking in maskings:
        form.locator(f"input[name=maskings][value={masking}]").check()
    form.locator("#id_paper_location").fill(location)
    form.locator("[data-testid=log-document]").click()
    expect(page.locator(".message.success")).to_contain_text("logged")

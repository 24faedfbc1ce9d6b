"""Content-Security-Policy and Permissions-Policy on every response: a page, a redirect, the
error pages, and the one view that may be framed (the letter preview)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from csp.middleware import CSPMiddleware
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.test import Client, RequestFactory
from django.urls import reverse

from requests_app import selectors
from requests_app.choices import CaseState
from requests_app.letters import services as letters
from tests.conftest import client_for
from tests.factories import make_case
from tests.requests_app.letters.conftest import generate

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
# Templates that never reach a browser: e-mails (their clients need inline styles) and the
# letters and dossier that WeasyPrint turns into PDFs.
NOT_PAGES = ("emails/", "letters/ja/", "letters/en/", "letters/print/", "exports/dossier.html")


def policy(response: Any) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


def assert_headers(response: Any, *, frame_ancestors: str = "'none'") -> None:
    directives = policy(response)
    assert directives["default-src"] == ["'none'"]
    assert directives["script-src"][0] == "'self'"
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == [frame_ancestors]
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    features = response["Permissions-Policy"]
    for off in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert off in features


def test_a_page_carries_both_policies(staff: Any) -> None:
    response = client_for(staff).get(reverse("requests_app:case_list"))
    assert response.status_code == 200
    assert_headers(response)


def test_a_redirect_carries_both_policies(reference_data: None) -> None:
    response = Client().get(reverse("requests_app:case_list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert_headers(response)


def test_the_error_pages_carry_both_policies(
    staff: Any, auditor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = client_for(staff).get(reverse("requests_app:case_detail", args=["2000-999999"]))
    assert missing.status_code == 404
    assert_headers(missing)
    refused = client_for(auditor).get(reverse("requests_app:case_create"))
    assert refused.status_code == 403
    assert_headers(refused)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(selectors, "case_list", broken)
    client = client_for(staff)
    client.raise_request_exception = False
    failed = client.get(reverse("requests_app:case_list"))
    assert failed.status_code == 500 and "Something went wrong" in failed.content.decode()
    assert_headers(failed)


def test_only_the_letter_preview_may_be_framed_and_only_by_the_app(staff: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    letter = generate(letters.letter_request(case=case, actor=staff, kind="acknowledgement"))
    client = client_for(staff)
    page = client.get(reverse("requests_app:letter_detail", args=[case.reference, letter.pk]))
    assert_headers(page)
    assert policy(page)["frame-src"] == ["'self'"]
    preview = client.get(reverse("requests_app:letter_preview", args=[case.reference, letter.pk]))
    assert preview["Content-Type"] == "application/pdf"
    assert_headers(preview, frame_ancestors="'self'")
    assert preview["X-Frame-Options"] == "SAMEORIGIN"


def test_an_inline_script_runs_only_with_the_requests_nonce() -> None:
    template = engines["django"].from_string(
        '<script nonce="{{ request.csp_nonce }}">window.ok = 1;</script>'
    )

    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(template.render({}, request))

    middleware = CSPMiddleware(view)
    request = RequestFactory().get("/")
    response = middleware(request)
    nonce = re.search(r'nonce="([^"]+)"', response.content.decode())
    assert nonce and len(nonce.group(1)) >= 16
    assert f"'nonce-{nonce.group(1)}'" in policy(response)["script-src"]
    # A page that asks for no nonce gets none in its policy.
    plain = CSPMiddleware(lambda request: HttpResponse("<p>plain</p>"))(RequestFactory().get("/"))
    assert "nonce-" not in plain["Content-Security-Policy"]


def test_no_page_template_has_an_inline_style_script_or_event_handler() -> None:
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        name = path.relative_to(ROOT / "templates").as_posix()
        if name.startswith(NOT_PAGES):
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in (r"\sstyle\s*=", r"<style", r"<script(?![^>]*\ssrc=)", r"\son[a-z]+\s*="):
            offenders += [f"{name}: {match.group(0)!r}" for match in re.finditer(pattern, text)]
    assert offenders == []

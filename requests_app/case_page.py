"""The case page, assembled from the sections each area of the app offers.

No view imports another app's views to build the page: every view that shows the case page
(the page itself, or a form posted from it that failed) asks this one selector, passing the
bound form that failed so that it is shown again with its errors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from identity import sections as identity_sections
from requests_app import sections as core_sections
from requests_app.datamap import sections as datamap_sections
from requests_app.exports import sections as export_sections
from requests_app.letters import sections as letter_sections
from requests_app.models import Case

Section = Callable[[Case, Any, Mapping[str, Any]], dict[str, Any]]

# In page order; a later section may read nothing of an earlier one's context.
SECTIONS: tuple[Section, ...] = (
    core_sections.case_section,
    identity_sections.case_section,
    datamap_sections.case_section,
    letter_sections.case_section,
    export_sections.case_section,
)


def case_page_context(case: Case, user: Any, **forms: Any) -> dict[str, Any]:
    """Everything templates/requests_app/case_detail.html shows, in a fixed number of
    queries for a case loaded by `selectors.case_detail`."""
    context: dict[str, Any] = {}
    for section in SECTIONS:
        context.update(section(case, user, forms))
    context.update(forms)
    return context

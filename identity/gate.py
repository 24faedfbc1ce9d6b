"""The identity gate: the verdict the case workflow asks for before leaving "awaiting identity".

`evaluate_case` returns every rule with its outcome; the case moves on only when all pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from requests_app.models import Case


@dataclass(frozen=True)
class RuleResult:
    code: str
    passed: bool
    message: str


@dataclass(frozen=True)
class Verdict:
    results: list[RuleResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(result.passed for result in self.results)

    @property
    def failures(self) -> list[RuleResult]:
        return [result for result in self.results if not result.passed]


def evaluate_case(case: Case) -> Verdict:
    documents = list(case.identity_documents.all())
    kinds = {document.document_type_id for document in documents}
    two_types = RuleResult(
        code="two_documents",
        passed=len(kinds) >= 2,
        message=_(
            "Copies of two identity documents of two different types must arrive by post "
            "(received: %(count)s of %(types)s type(s))."
        )
        % {"count": len(documents), "types": len(kinds)},
    )
    return Verdict(results=[two_types])


def what_is_missing(case: Case) -> list[str]:
    """What the person must still send, one sentence per item, for the deficiency letter.

    Sentences are in the active language and addressed to the person (not to staff).
    """
    if evaluate_case(case).passed:
        return []
    return [
        _(
            "Copies of two identity documents of different types (for example a driver's "
            "licence and a passport), sent by post."
        )
    ]

"""The letter register as a source of files for exports: every stored letter PDF travels in
the bundle of its case, and each case's dossier lists its letters."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from requests_app.exports.attachments import AttachmentRecord
from requests_app.letters.models import Letter

# Letters without a file (pending or failed) have nothing to carry.
_STORED = Letter.objects.exclude(file="")


def _path(letter: Letter) -> str:
    return f"letters/{letter.case.reference}/{letter.number}-{letter.kind}.pdf"


class LetterFiles:
    name = "letters"

    def files(self, case_ids: Iterable[int]) -> Iterator[tuple[str, bytes]]:
        letters = (
            _STORED.filter(case_id__in=list(case_ids))
            .select_related("case")
            .defer("content")
            .order_by("case_id", "id")
        )
        for letter in letters.iterator(chunk_size=200):
            with letter.file.open("rb") as handle:
                yield _path(letter), handle.read()

    def records(self, case_id: int) -> list[AttachmentRecord]:
        letters = (
            _STORED.filter(case_id=case_id).select_related("case").defer("content").order_by("id")
        )
        return [
            AttachmentRecord(
                title=f"{letter.number} {letter.get_kind_display()} ({letter.language})",
                sent_on=letter.sent_on,
                sha256=letter.sha256,
                path=_path(letter),
            )
            for letter in letters
        ]

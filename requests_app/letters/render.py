"""From a letter's stored snapshot to its PDF. Pure: nothing is read from or written to the
database or the file storage, so rendering can be retried, benchmarked and tested freely.

Templates live in templates/letters/<language>/<kind>.html; Django escapes every value, so a
name such as `<img src="file:///etc/passwd">` is printed as text, never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from requests_app.letters import kinds, pdf
from requests_app.letters.letterhead import letterhead
from requests_app.letters.purposes import purposes_by_codes, purposes_for


def template_name(kind: str, language: str) -> str:
    return f"letters/{language}/{kind}.html"


def letter_context(letter: Any) -> dict[str, Any]:
    content = letter.content
    language = letter.language
    title = kinds.title(letter.kind, language)
    if language == "ja":
        subject = f"受付番号 {content['reference']}　文書番号 {letter.number}"
        reference_line = f"受付番号 {content['reference']}　文書番号 {letter.number}"
    else:
        subject = f"Reference {content['reference']}, letter no. {letter.number}"
        reference_line = f"Reference {content['reference']} · Letter no. {letter.number}"
    created = datetime.combine(letter.letter_date, time(0, 0), tzinfo=UTC)
    return {
        "letter": letter,
        "c": content,
        "lang": language,
        "title": title,
        "subject": subject,
        "reference_line": reference_line,
        "created": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "letterhead": letterhead(language),
        "purposes": _purposes(content, language)
        if letter.kind == kinds.LetterKind.PURPOSE_NOTICE
        else [],
    }


def _purposes(content: dict[str, Any], language: str) -> list[tuple[str, tuple[str, ...]]]:
    """The purposes a notice lists: those of the data map's systems where the person was
    found, when the content names them; otherwise those of the person's relationships
    (letters asked for before the data map, whose content names one relationship)."""
    if content.get("purposes"):
        return purposes_by_codes(content["purposes"], language)
    relationships = content.get("relationships") or [content.get("relationship", "")]
    return purposes_for(relationships, language)


def letter_html(letter: Any) -> str:
    """The letter as HTML, in the letter's own language whatever the caller's language is."""
    with translation.override(letter.language):
        return render_to_string(template_name(letter.kind, letter.language), letter_context(letter))


def render_letter(letter: Any, *, fetcher: pdf.StaticOnlyFetcher | None = None) -> bytes:
    """The letter as a PDF/A (bytes). No side effects."""
    return pdf.html_to_pdf(letter_html(letter), fetcher=fetcher)


@dataclass
class BatchOutput:
    """A batch rendered as one document: the post room's PDF and one PDF per letter."""

    combined: bytes = b""
    parts: dict[int, bytes] = field(default_factory=dict)  # letter id -> its PDF
    page_counts: dict[int, int] = field(default_factory=dict)
    failures: dict[int, str] = field(default_factory=dict)  # letter id -> why


def describe(error: BaseException) -> str:
    """A failure, said plainly enough to show on the case page."""
    return f"{type(error).__name__}: {error}"[:500]


def render_batch(
    letters: Sequence[Any],
    *,
    title: str,
    on_laid_out: Callable[[int], None] | None = None,
) -> BatchOutput:
    """Lay out every letter on its own (each keeps its own page numbers), write all the pages
    as one PDF (fonts subset once) and split it into one PDF per letter.

    A letter that cannot be laid out is reported in `failures`; the others go ahead.
    """
    output = BatchOutput()
    documents = []
    kept = []
    for count, letter in enumerate(letters, start=1):
        try:
            documents.append(pdf.layout(letter_html(letter)))
            kept.append(letter)
        except Exception as error:
            output.failures[letter.pk] = describe(error)
        if on_laid_out is not None:
            on_laid_out(count)
    if not documents:
        return output
    output.combined = pdf.write(pdf.combine(documents, title=title))
    parts = [pdf.Part(len(document.pages), document.metadata) for document in documents]
    for letter, document, data in zip(
        kept, documents, pdf.split(output.combined, parts), strict=True
    ):
        output.parts[letter.pk] = data
        output.page_counts[letter.pk] = len(document.pages)
    return output

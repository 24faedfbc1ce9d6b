"""`make bench` figures for letters (called from tests/bench/__main__.py).

- letter_render: a one-page Japanese acknowledgement through the app's `render_letter`
  (template, escaping, restricted fetcher, PDF/A; fonts and stylesheet kept warm per worker
  thread) beside WeasyPrint rendering the same HTML string directly
  (`HTML(string=...).write_pdf(stylesheets=[CSS(filename=...)])`, same stylesheet and variant).
- letter_batch: per-letter time of 50 deficiency letters rendered as one batch (laid out one by
  one, written once so fonts are subset once, split into 50 PDF/A files) beside rendering the
  same 50 letters one by one with `render_letter`.
- letter_batch_floor: per-letter time of the work no batch can share, beside the same
  one-by-one baseline: laying each of the 50 letters out (each keeps its own page numbers) and
  drawing their pages into one PDF, without splitting it. Its ratio is the lowest
  letter_batch's can go.
- letter_disclosure_20p: a disclosure letter of at least 20 pages through `render_letter`
  beside WeasyPrint rendering its HTML directly.
"""

from __future__ import annotations

from typing import Any

from tests.bench import medians_ms, report

BATCH_SIZE = 50


def _letter(case: Any, kind: str, pk: int, **extra: Any) -> Any:
    """An unsaved letter with the snapshot the app would take: rendering needs nothing else."""
    from django.utils import timezone

    from requests_app.letters.content import build_content
    from requests_app.models import Letter

    today = timezone.localdate()
    number = f"{case.reference}-{pk:02d}"
    content = build_content(case=case, kind=kind, language="ja", letter_date=today, number=number)
    content.update(extra)
    letter = Letter(
        case=case,
        number=number,
        kind=kind,
        language="ja",
        version=1,
        letter_date=today,
        content=content,
    )
    letter.pk = pk
    return letter


def _direct(html: str) -> bytes:
    """WeasyPrint on its own: the same HTML, stylesheet file and PDF variant, nothing else."""
    import weasyprint

    from requests_app.letters import pdf

    stylesheet = weasyprint.CSS(filename=str(pdf.static_root() / pdf.STYLESHEET))
    data: bytes = weasyprint.HTML(string=html, base_url=pdf.base_url()).write_pdf(
        stylesheets=[stylesheet], pdf_variant=pdf.variant()
    )
    return data


def _cases(count: int) -> list[Any]:
    from requests_app.models import Case

    return list(
        Case.objects.select_related("requester")
        .prefetch_related("items", "fee_payments", "identity_documents")
        .order_by("id")[:count]
    )


def bench_render(case: Any) -> None:
    from requests_app.letters.render import letter_html, render_letter

    letter = _letter(case, "acknowledgement", 1)
    html = letter_html(letter)
    assert len(_pages(render_letter(letter))) == 1, "the acknowledgement should be one page"
    report("letter_render", *medians_ms(lambda: render_letter(letter), lambda: _direct(html)))


def bench_batch(cases: list[Any]) -> None:
    from requests_app.letters import pdf
    from requests_app.letters.render import letter_html, render_batch, render_letter

    letters = [_letter(case, "deficiency", index) for index, case in enumerate(cases, start=1)]
    for letter in letters:
        letter.content["missing"] = [
            "種類の異なる本人確認書類2点の写し（例：運転免許証とパスポート）を郵送でお送りください。"
        ]
    repeat = 5

    def one_by_one() -> None:
        for letter in letters:
            render_letter(letter)

    def batch() -> None:
        output = render_batch(letters, title="bench")
        assert len(output.parts) == len(letters) and not output.failures

    def unsplit() -> None:
        documents = [pdf.layout(letter_html(letter)) for letter in letters]
        pdf.write(pdf.combine(documents, title="bench"))

    single, whole, floor = (
        total / len(letters) for total in medians_ms(one_by_one, batch, unsplit, repeat=repeat)
    )
    report("letter_batch", whole, single)
    report("letter_batch_floor", floor, single)


def bench_disclosure(case: Any) -> None:
    from requests_app.letters.render import letter_html, render_letter

    records = [
        {
            "category": "来場登録",
            "field": f"来場記録 {number}",
            "value": f"2025年{number % 12 + 1}月 名古屋産業技術展 第{number}回来場"
            f"（受付番号 A-{number:05d}）",
            "source": "展示会来場者管理システム",
        }
        for number in range(1, 421)
    ]
    item = {
        "kind": "disclosure",
        "details": "保有する私の個人データの開示を求めます。",
        "outcome": "done",
        "ground": "",
        "reasons": "",
        "records": records,
    }
    letter = _letter(case, "disclosure", 1, items=[item])
    pages = len(_pages(render_letter(letter)))
    assert pages >= 20, f"the disclosure has {pages} pages"
    html = letter_html(letter)
    report(
        "letter_disclosure_20p",
        *medians_ms(lambda: render_letter(letter), lambda: _direct(html), repeat=5),
    )


def _pages(data: bytes) -> list[Any]:
    import io

    import pypdf

    return list(pypdf.PdfReader(io.BytesIO(data)).pages)


def run(staff: Any) -> None:
    cases = _cases(BATCH_SIZE)
    assert len(cases) == BATCH_SIZE, "the bench database needs at least 50 cases"
    bench_render(cases[0])
    bench_batch(cases)
    bench_disclosure(cases[0])

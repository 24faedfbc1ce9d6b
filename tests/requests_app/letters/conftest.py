"""Helpers for the letter tests: read PDFs back with real readers, run Celery eagerly."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pypdf
import pytest
from django.core.files.storage import default_storage

from requests_app.letters import services
from requests_app.models import Letter


def pdftotext(data: bytes, *, layout: bool = False, page: int | None = None) -> str:
    """Poppler's pdftotext: the text as a person reading the PDF would see it."""
    tool = shutil.which("pdftotext")
    assert tool, "poppler-utils is needed for the letter tests"
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        command = [tool, "-enc", "UTF-8"]
        if layout:
            command.append("-layout")
        if page is not None:
            command += ["-f", str(page), "-l", str(page)]
        return subprocess.run(
            [*command, handle.name, "-"], capture_output=True, check=True
        ).stdout.decode()


def words_with_boxes(data: bytes) -> list[tuple[str, float, float, float, float]]:
    """Every word on page 1 with its box in millimetres (x min, y min, x max, y max)."""
    tool = shutil.which("pdftotext")
    assert tool
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        html = subprocess.run(
            [tool, "-bbox", "-f", "1", "-l", "1", handle.name, "-"],
            capture_output=True,
            check=True,
        ).stdout.decode()
    import re

    mm = 25.4 / 72
    return [
        (word, float(x1) * mm, float(y1) * mm, float(x2) * mm, float(y2) * mm)
        for x1, y1, x2, y2, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
            html,
        )
    ]


def reader(data: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(data))


def embedded_fonts(data: bytes) -> dict[str, bool]:
    """Every font the pages use (subset prefix removed) and whether its file is embedded."""
    fonts = {}
    for page in reader(data).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"]).split("+", 1)[-1]] = "/FontFile2" in descriptor
    return fonts


def stored_bytes(letter: Letter) -> bytes:
    with default_storage.open(letter.file.name, "rb") as handle:
        data: bytes = handle.read()
    return data


def committed() -> Any:
    """Run what waits for the commit (a stored file is moved into place only then) when the
    block ends, as the worker's own commit would: the test itself runs in a transaction."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def generate(letter: Letter) -> Letter:
    """Run the Celery task's body for the letter, as a worker would."""
    with committed():
        services.letter_generate(letter_id=letter.pk)
    letter.refresh_from_db()
    return letter


def run_batch(batch: Any) -> None:
    """Run the batch task's body, as a worker would, and refresh the batch."""
    from requests_app.letters import tasks

    with committed():
        tasks.generate_batch(batch.pk)
    batch.refresh_from_db()


def media_files() -> list[Path]:
    from django.conf import settings

    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


@pytest.fixture(autouse=True)
def eager_celery() -> Any:
    """Tasks run in the process that queues them, as a worker would run them (and nothing
    queued by a letter test lingers in a real broker)."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = before

"""Real small files for upload tests, made on the spot."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from PIL import Image
from pypdf import PdfWriter


def small_pdf() -> bytes:
    """A real one-page A4 PDF (what a scanner produces, without the scan)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def small_image(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 40), (240, 240, 235)).save(out, format=kind)
    return out.getvalue()


def executable() -> bytes:
    """A real program from this machine (an ELF binary)."""
    found = shutil.which("true") or "/bin/true"
    return Path(found).read_bytes()

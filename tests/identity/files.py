"""Real small files for upload tests, made on the spot."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pikepdf
from PIL import Image, ImageDraw
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


def scan_like_pdf() -> bytes:
    """A PDF as a scanner makes one: each page a picture (here two A4 pages at 36 dpi), with
    the page size and resources kept on the page tree and inherited by the pages."""
    pages = []
    for shade in (200, 120):
        page = Image.new("RGB", (298, 421), (250, 250, 245))
        ImageDraw.Draw(page).rectangle((30, 40, 260, 120), fill=(shade, 40, 40))
        pages.append(page)
    out = io.BytesIO()
    pages[0].save(out, format="PDF", resolution=36, save_all=True, append_images=pages[1:])
    with pikepdf.open(io.BytesIO(out.getvalue())) as pdf:
        tree = pdf.Root.Pages
        tree.MediaBox = pdf.pages[0].obj.MediaBox
        for page in pdf.pages:
            del page.obj["/MediaBox"]
        return _saved(pdf)


def _saved(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _action(pdf: pikepdf.Pdf, kind: str, **fields: Any) -> pikepdf.Object:
    return pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Action, S=pikepdf.Name(kind), **fields)
    )


SCRIPT = "app.alert('hostile'); this.document.title = 'hostile';"


def hostile_pdf(carrying: str) -> bytes:
    """scan_like_pdf() carrying one kind of active content, built with pikepdf."""
    with pikepdf.open(io.BytesIO(scan_like_pdf())) as pdf:
        page = pdf.pages[0].obj
        js = _action(pdf, "/JavaScript", JS=pikepdf.String(SCRIPT))
        if carrying == "open_action":
            pdf.Root.OpenAction = js
        elif carrying == "page_aa":
            page.AA = pikepdf.Dictionary(O=js)
        elif carrying == "launch":
            pdf.Root.OpenAction = _action(
                pdf, "/Launch", F=pikepdf.String("C:\\Windows\\System32\\calc.exe")
            )
        elif carrying == "submit_form":
            submit = _action(
                pdf,
                "/SubmitForm",
                F=pikepdf.Dictionary(FS=pikepdf.Name.URL, F=pikepdf.String("http://x.invalid/")),
            )
            page.Annots = pdf.make_indirect(
                pikepdf.Array(
                    [
                        pikepdf.Dictionary(
                            Type=pikepdf.Name.Annot,
                            Subtype=pikepdf.Name.Link,
                            Rect=[0, 0, 600, 850],
                            A=submit,
                        )
                    ]
                )
            )
        elif carrying == "embedded_files":
            pdf.attachments["invoice.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ\x90\x00 program")
        elif carrying == "xfa":
            pdf.Root.AcroForm = pikepdf.Dictionary(
                Fields=pikepdf.Array(),
                XFA=pdf.make_stream(b"<xdp:xdp><script>xfa.host.messageBox(1)</script></xdp:xdp>"),
            )
        elif carrying == "names_javascript":
            pdf.Root.Names = pikepdf.Dictionary(
                JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("x"), js]))
            )
        elif carrying == "resource_javascript":
            # A page resource that points at a script: it cannot be left behind with the page.
            page.Resources.Hostile = js
        else:
            raise ValueError(carrying)
        return _saved(pdf)


def password_pdf() -> bytes:
    with pikepdf.open(io.BytesIO(scan_like_pdf())) as pdf:
        out = io.BytesIO()
        pdf.save(out, encryption=pikepdf.Encryption(owner="owner-pw", user="user-pw"))
        return out.getvalue()


POPPLER_PDFTOPPM = shutil.which("pdftoppm") or "/usr/bin/pdftoppm"  # poppler-utils


def rendered(pdf: bytes, folder: Path) -> list[bytes]:
    """Each page as pixels, drawn by poppler (pdftoppm), a reader independent of ours."""
    source = folder / "in.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [POPPLER_PDFTOPPM, "-r", "24", "-png", str(source), str(folder / "page")],
        check=True,
        capture_output=True,
    )
    pixels = []
    for path in sorted(folder.glob("page-*.png")):
        with Image.open(path) as image:
            pixels.append(image.convert("RGB").tobytes())
        path.unlink()
    return pixels

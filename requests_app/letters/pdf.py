"""WeasyPrint behind one door: safe fetching, fonts, PDF/A metadata, and splitting batches.

- The URL fetcher serves the app's own static files and nothing else: `file://` paths outside
  the static folder, `http(s)://`, `data:` and every other scheme fetch nothing.
- Fonts come from fontconfig by family name (Debian's IPAex fonts); one FontConfiguration per
  thread is kept warm, because building one costs more than laying out a one-page letter, and
  the letters' stylesheet (static/letters/letter.css) is parsed once per thread.
- Every PDF is PDF/A (settings.LETTER_PDF_VARIANT) with title, subject and keywords set.
- A batch is laid out letter by letter (each keeps its own "page N of M"), written as one PDF
  (fonts subset once) and split into one PDF/A per letter with pypdf.
"""

from __future__ import annotations

import io
import logging
import mimetypes
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import pypdf
import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from pypdf.generic import NameObject, StreamObject, TextStringObject
from weasyprint.pdf.metadata import DocumentMetadata
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

STYLESHEET = "letters/letter.css"
LETTER_FONTS = ("IPAexMincho", "IPAexGothic")


class FetchRefused(ValueError):
    """A letter asked for a resource that is not one of the app's own static files."""


@cache
def static_root() -> Path:
    """The static folder that holds the letters' stylesheet (found like `{% static %}`)."""
    found = finders.find(STYLESHEET)
    if not found:
        raise RuntimeError(f"The letter stylesheet {STYLESHEET} is missing from the static files.")
    path = Path(found if isinstance(found, str) else found[0]).resolve()
    return path.parents[len(Path(STYLESHEET).parts) - 1]


def base_url() -> str:
    return static_root().as_uri() + "/"


class StaticOnlyFetcher(URLFetcher):
    """Fetch files under the app's static folder; refuse everything else."""

    def __init__(self, root: Path | None = None) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.root = (root or static_root()).resolve()
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        path = self._allowed_path(url)
        if path is None:
            self.refused.append(url)
            raise FetchRefused(f"Letters may only use the app's static files, not {url[:100]!r}")
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.as_uri(), body=path.read_bytes(), headers={"Content-Type": media_type}
        )

    def _allowed_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        return path


_local = threading.local()


def font_config() -> FontConfiguration:
    """This thread's warm font configuration (Pango objects are not shared across threads)."""
    config = getattr(_local, "font_config", None)
    if config is None:
        config = _local.font_config = FontConfiguration()
    return config


def stylesheet() -> weasyprint.CSS:
    """The letters' print stylesheet, parsed once per thread (it is the app's own file)."""
    css = getattr(_local, "stylesheet", None)
    if css is None:
        css = _local.stylesheet = weasyprint.CSS(
            url=base_url() + STYLESHEET,
            url_fetcher=StaticOnlyFetcher(),
            font_config=font_config(),
        )
    return css


def variant() -> str:
    return str(settings.LETTER_PDF_VARIANT)


def layout(html: str, *, fetcher: StaticOnlyFetcher | None = None) -> Any:
    """Lay the HTML out into pages (a weasyprint Document), with the letters' stylesheet."""
    document = weasyprint.HTML(
        string=html, base_url=base_url(), url_fetcher=fetcher or StaticOnlyFetcher()
    )
    return document.render(
        stylesheets=[stylesheet()], font_config=font_config(), pdf_variant=variant()
    )


def write(document: Any) -> bytes:
    data: bytes = document.write_pdf(pdf_variant=variant())
    return data


def html_to_pdf(html: str, *, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    return write(layout(html, fetcher=fetcher))


@dataclass(frozen=True)
class Part:
    """One letter's share of a combined document: its pages and its own metadata."""

    page_count: int
    metadata: Any  # weasyprint DocumentMetadata


def combine(documents: Sequence[Any], *, title: str) -> Any:
    """One document holding every page of `documents`, in order."""
    pages = [page for document in documents for page in document.pages]
    combined = documents[0].copy(pages)
    combined.metadata = DocumentMetadata(
        title=title, authors=list(documents[0].metadata.authors), lang=documents[0].metadata.lang
    )
    return combined


def split(combined_pdf: bytes, parts: Sequence[Part]) -> list[bytes]:
    """Cut a combined PDF/A into one PDF/A per part, each with its own title and metadata.

    The parts share the combined file's embedded font subsets, so fonts are subset once for
    the whole batch.
    """
    reader = pypdf.PdfReader(io.BytesIO(combined_pdf))
    intents = reader.root_object.get("/OutputIntents")
    version, conformance = _variant_parts()
    start = 0
    results = []
    for part in parts:
        writer = pypdf.PdfWriter()
        writer.pdf_header = reader.pdf_header
        for index in range(start, start + part.page_count):
            writer.add_page(reader.pages[index])
        start += part.page_count
        if intents is not None:
            writer._root_object[NameObject("/OutputIntents")] = intents.clone(writer)
        if part.metadata.lang:
            writer._root_object[NameObject("/Lang")] = TextStringObject(part.metadata.lang)
        writer.add_metadata(_info(part.metadata))
        writer._root_object[NameObject("/Metadata")] = writer._add_object(
            _xmp_stream(part.metadata, version, conformance)
        )
        writer.generate_file_identifiers()
        buffer = io.BytesIO()
        writer.write(buffer)
        results.append(buffer.getvalue())
    if start != len(reader.pages):
        raise ValueError(f"The parts cover {start} pages of {len(reader.pages)}.")
    return results


def _variant_parts() -> tuple[int, str]:
    # "pdf/a-3u" -> (3, "U")
    name = variant().rsplit("-", 1)[1]
    return int(name[:-1]), name[-1].upper()


def _info(metadata: Any) -> dict[str, str]:
    info = {"/Producer": f"WeasyPrint {weasyprint.__version__}"}
    if metadata.title:
        info["/Title"] = metadata.title
    if metadata.authors:
        info["/Author"] = ", ".join(metadata.authors)
    if metadata.description:
        info["/Subject"] = metadata.description
    if metadata.keywords:
        info["/Keywords"] = ", ".join(metadata.keywords)
    return info


def _xmp_stream(metadata: Any, version: int, conformance: str) -> StreamObject:
    rdf = metadata.generate_rdf_metadata("a", version, conformance)
    packet = b"\n".join(
        (
            b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>',
            b'<x:xmpmeta xmlns:x="adobe:ns:meta/">' + rdf,
            b'</x:xmpmeta>\n<?xpacket end="r"?>',
        )
    )
    stream = StreamObject()
    stream.set_data(packet)
    stream.update({NameObject("/Type"): NameObject("/Metadata")})
    stream.update({NameObject("/Subtype"): NameObject("/XML")})
    return stream


@cache
def _font_coverage() -> frozenset[int]:
    """Every code point the letter fonts can draw (both families cover the same set)."""
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    covered: set[int] = set()
    for family in LETTER_FONTS:
        path = _font_file(family)
        covered |= set(TTFont(path, lazy=True).getBestCmap())
    return frozenset(covered)


def _font_file(family: str) -> str:
    """Ask fontconfig (its fc-match tool) which file it uses for the family."""
    import subprocess
    from shutil import which

    tool = which("fc-match")
    if tool is None:
        raise RuntimeError("fontconfig's fc-match is not installed.")
    found = subprocess.run(  # noqa: S603  (fixed tool, the family is a constant of this module)
        [tool, "--format=%{file}\n%{family}", family], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    if len(found) != 2 or family not in found[1].split(","):
        raise RuntimeError(f"The font {family} is not installed (Debian: fonts-ipaexfont).")
    return found[0]


# Characters that never need a glyph (line breaks, tabs).
_LAYOUT_CHARACTERS = frozenset(map(ord, "\n\r\t"))


def missing_glyphs(texts: Sequence[str]) -> list[str]:
    """The characters the letter fonts cannot draw, in order of first appearance."""
    covered = _font_coverage()
    missing: dict[str, None] = {}
    for text in texts:
        for character in text:
            point = ord(character)
            if point not in covered and point not in _LAYOUT_CHARACTERS:
                missing.setdefault(character, None)
    return list(missing)


def reset_caches() -> None:
    """Forget the static root, fonts and stylesheet (after the static folder changed)."""
    static_root.cache_clear()
    _font_coverage.cache_clear()
    for name in ("font_config", "stylesheet"):
        if hasattr(_local, name):
            delattr(_local, name)

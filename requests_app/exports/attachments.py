"""Files that belong to cases and travel in their bundles and dossiers (e.g. letter PDFs).

The bundle writer knows nothing about letters: it asks every registered provider for the
files of the cases it exports, one (path in the ZIP, bytes) at a time, and hashes whatever it
gets. A provider also describes each case's files for the dossier. Register one with
`register(provider)` (the letter register does, from its AppConfig.ready()); until then the
registry is empty and bundles carry no attachments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Protocol

_SAFE_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class AttachmentRecord:
    """One file as a dossier lists it: what it is, when it went out, and its SHA-256."""

    title: str
    sent_on: date | None
    sha256: str
    path: str = ""


class AttachmentProvider(Protocol):
    """What a source of case files (the letter register) offers to exports."""

    name: str

    def files(self, case_ids: Iterable[int]) -> Iterator[tuple[str, bytes]]:
        """(path in the ZIP, content) for every file of these cases, in a stable order.

        Called with the exported case ids in chunks; paths are relative, with "/" between
        parts, and unique (e.g. "letters/2026-000123/acknowledgement-1.pdf").
        """
        ...

    def records(self, case_id: int) -> list[AttachmentRecord]:
        """The files of one case, for its dossier."""
        ...


_providers: list[AttachmentProvider] = []


def register(provider: AttachmentProvider) -> None:
    if any(existing.name == provider.name for existing in _providers):
        raise ValueError(f"An attachment provider named {provider.name!r} is registered already.")
    _providers.append(provider)


def unregister(name: str) -> None:
    _providers[:] = [provider for provider in _providers if provider.name != name]


def providers() -> list[AttachmentProvider]:
    return list(_providers)


def case_files(case_ids: Iterable[int]) -> Iterator[tuple[str, bytes]]:
    """Every registered provider's files for these cases, with their paths checked."""
    ids = list(case_ids)
    for provider in providers():
        for path, content in provider.files(ids):
            yield check_path(path), content


def case_records(case_id: int) -> list[AttachmentRecord]:
    return [record for provider in providers() for record in provider.records(case_id)]


def check_path(path: str) -> str:
    """A provider's path, refused unless it is plainly relative (no "..", no absolute path)."""
    parts = path.split("/")
    if not path or not all(_SAFE_PART.match(part) for part in parts):
        raise ValueError(f"Unsafe attachment path in a bundle: {path!r}")
    return path

"""Files that a database row registers: written aside, moved into place when the row commits.

A letter, a batch's post-room PDF or an export bundle is written under a temporary name
(`<final name>.part`; the final name carries a random part, so no attempt ever replaces
another's file), read back and checked, and only renamed to its final name by an on-commit
callback of the transaction that registers it. So a task killed at any moment leaves no file
that looks finished without a row pointing to it:

- killed before the commit: only a temporary file, which the daily check removes once it is
  older than TEMPORARY_GRACE (no live task holds one that long);
- killed between the commit and the rename: a registered name whose temporary file is
  still there; the daily check moves it into place (after checking its SHA-256).

`check_folder` is that daily check: every file under a folder that no row points to is
removed, and reported, so the caller can log and audit what went.

A shared leaf: it works on names in Django's default storage and knows nothing of the models.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import IO

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

TEMPORARY_SUFFIX = ".part"
# A temporary file lives from the moment it is written until its row commits, a second or
# two; an export bundle's until the bundle is built (its task's time limit is 30 minutes).
# One older than this belongs to a task that died.
TEMPORARY_GRACE = timedelta(hours=2)


@dataclass(frozen=True)
class Staged:
    """A file written under `temporary`, to be moved to `final` once its row commits."""

    final: str
    temporary: str


def unique_name(name: str) -> str:
    """`name` with a random part before its extension: each attempt writes its own file."""
    stem, dot, extension = name.rpartition(".")
    if not dot:
        return f"{name}_{secrets.token_hex(4)}"
    return f"{stem}_{secrets.token_hex(4)}{dot}{extension}"


def is_temporary(name: str) -> bool:
    return name.endswith(TEMPORARY_SUFFIX)


def final_for(temporary: str) -> str:
    return temporary.removesuffix(TEMPORARY_SUFFIX)


def stage(name: str, data: bytes) -> Staged:
    """Write `data` under a temporary name beside `name` (made unique) and read it back.

    On any failure what was written is removed and the error raised.
    """
    final = unique_name(name)
    digest = hashlib.sha256(data).hexdigest()
    saved = ""
    try:
        saved = default_storage.save(final + TEMPORARY_SUFFIX, ContentFile(data))
        with default_storage.open(saved, "rb") as stored:
            if hashlib.sha256(stored.read()).hexdigest() != digest:
                raise OSError(f"The stored file {saved} does not match what was written.")
    except BaseException:
        delete_quietly(saved or final + TEMPORARY_SUFFIX)
        raise
    return Staged(final=final, temporary=saved)


@contextmanager
def staged_writer(name: str) -> Iterator[tuple[IO[bytes], Staged]]:
    """A file to stream into (an export bundle) that ends up staged under `name`.

    On the file system it is written in place under its temporary name; elsewhere it goes
    through a local temporary file that the storage copies in. Removed if the body fails.
    """
    staged = Staged(final=name, temporary=name + TEMPORARY_SUFFIX)
    try:
        path = default_storage.path(staged.temporary)
    except NotImplementedError:
        path = ""
    if path:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        try:
            with open(path, "wb") as target:
                yield target, staged
        except BaseException:
            delete_quietly(staged.temporary)
            raise
        return
    with tempfile.TemporaryFile() as target:
        yield target, staged
        target.seek(0)
        saved = default_storage.save(staged.temporary, File(target))
    if saved != staged.temporary:
        delete_quietly(saved)
        raise OSError(f"The storage renamed {staged.temporary} to {saved}.")


def move_into_place(staged: Staged) -> None:
    """Rename the temporary file to its final name (a copy where the storage has no paths)."""
    try:
        source, target = default_storage.path(staged.temporary), default_storage.path(staged.final)
    except NotImplementedError:
        with default_storage.open(staged.temporary, "rb") as handle:
            saved = default_storage.save(staged.final, File(handle))
        if saved != staged.final:
            raise OSError(f"The storage renamed {staged.final} to {saved}.") from None
        default_storage.delete(staged.temporary)
        return
    os.replace(source, target)


def publish_now(staged: Staged) -> None:
    """Move the staged file into place; done already (by an earlier call, or by the check
    that finished a killed task's move) is fine."""
    if not default_storage.exists(staged.temporary) and default_storage.exists(staged.final):
        return
    try:
        move_into_place(staged)
    except OSError:
        # The row is committed; the daily check finds the temporary file and finishes this.
        logger.exception("Could not move %s into place", staged.final)


def publish_on_commit(staged: Staged) -> None:
    """Move the file into place once the transaction that registers it has committed; if it
    rolls back, the temporary file stays behind for the daily check."""
    transaction.on_commit(partial(publish_now, staged))


def ensure_in_place(name: str, sha256: str = "") -> bool:
    """For a registered file: if a task died between registering it and moving it, finish the
    move now (the temporary file must match `sha256` when given). True when it was needed."""
    if not name or default_storage.exists(name):
        return False
    temporary = name + TEMPORARY_SUFFIX
    if not default_storage.exists(temporary):
        return False
    if sha256 and sha256_of(temporary) != sha256:
        logger.error(
            "%s does not match its register row; it is left for the daily check.", temporary
        )
        return False
    move_into_place(Staged(final=name, temporary=temporary))
    logger.warning("Moved %s into place: the task that registered it died first.", name)
    return True


def delete_quietly(name: str) -> None:
    try:
        if name and default_storage.exists(name):
            default_storage.delete(name)
    except OSError:
        logger.exception("Could not remove the file %s", name)


def walk(folder: str) -> Iterator[str]:
    """Every file name under `folder` in the default storage, depth first."""
    try:
        folders, names = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(names):
        yield f"{folder}/{name}"
    for sub in sorted(folders):
        yield from walk(f"{folder}/{sub}")


def sha256_of(name: str) -> str:
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class FoundFile:
    """A file the check acted on: its name, size and SHA-256 (no content, no personal data)."""

    name: str
    size: int
    sha256: str

    def as_json(self) -> dict[str, object]:
        return {"name": self.name, "size": self.size, "sha256": self.sha256}


@dataclass
class FolderCheck:
    """What the daily check found under one folder, and did."""

    folder: str
    files: int = 0
    orphans_removed: list[FoundFile] = field(default_factory=list)
    temporary_removed: list[FoundFile] = field(default_factory=list)
    moved_into_place: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return bool(self.orphans_removed or self.temporary_removed or self.moved_into_place)

    def as_json(self) -> dict[str, object]:
        return {
            "folder": self.folder,
            "files": self.files,
            "orphans_removed": [found.as_json() for found in self.orphans_removed],
            "temporary_removed": [found.as_json() for found in self.temporary_removed],
            "moved_into_place": self.moved_into_place,
            "missing": self.missing,
        }


def _modified(name: str) -> datetime:
    modified = default_storage.get_modified_time(name)
    if timezone.is_naive(modified):
        modified = modified.replace(tzinfo=UTC)
    return modified


def _found(name: str) -> FoundFile:
    return FoundFile(name=name, size=default_storage.size(name), sha256=sha256_of(name))


def check_folder(
    folder: str,
    registered: Callable[[], Mapping[str, str]],
    *,
    now: datetime | None = None,
) -> FolderCheck:
    """Remove every file under `folder` that no row points to, and finish interrupted moves.

    `registered` returns every registered name under the folder with its SHA-256 (or "" when
    the row keeps none). It is read after the folder is listed: a file is renamed into place
    only after its row committed, so every final name listed is registered by then, unless
    it is an orphan.
    """
    now = now or timezone.now()
    listed = list(walk(folder))
    names = registered()
    check = FolderCheck(folder=folder, files=len(listed))
    present = set(listed)
    for name in listed:
        if is_temporary(name):
            final = final_for(name)
            if final in names and final not in present:
                expected = names[final]
                if not expected or sha256_of(name) == expected:
                    move_into_place(Staged(final=final, temporary=name))
                    check.moved_into_place.append(final)
                    present.add(final)
                    continue
            if _modified(name) < now - TEMPORARY_GRACE:
                check.temporary_removed.append(_found(name))
                default_storage.delete(name)
        elif name not in names:
            check.orphans_removed.append(_found(name))
            default_storage.delete(name)
    check.missing = sorted(name for name in names if name not in present)
    return check

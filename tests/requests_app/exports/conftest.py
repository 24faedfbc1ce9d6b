"""Shared by the export tests: bundles land in a temporary MEDIA_ROOT; helpers to build one."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage

from requests_app.exports import services
from requests_app.exports.bundle import Criteria
from requests_app.exports.models import Export
from tests.factories import stored_files_in_place


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Tasks run in the caller (Celery's own eager mode), as a worker would run them."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def build(actor: Any, criteria: Criteria | None = None, language: str = "en") -> Export:
    """Ask for an export as `actor` and build it at once, as the task would."""
    export = services.export_request(
        actor=actor, criteria=criteria or Criteria(), language=language
    )
    with stored_files_in_place():  # the build's commit moves the bundle into place
        built = services.export_build(export_id=export.pk)
    assert built is not None and built.status == "done", built and built.error
    return built


def bundle_path(export: Export) -> Path:
    return Path(default_storage.path(export.file.name))


def members(export: Export) -> dict[str, bytes]:
    with zipfile.ZipFile(bundle_path(export)) as bundle:
        return {name: bundle.read(name) for name in bundle.namelist()}


def rewrite(source: Path, target: Path, changes: dict[str, bytes]) -> None:
    """A copy of a bundle with some members replaced (as a forger would make it)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = changes.get(info.filename, old.read(info.filename))
            new.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED)

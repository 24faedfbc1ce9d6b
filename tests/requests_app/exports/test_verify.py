"""The verifier every bundle carries (verify.py): an auditor runs it with Python alone.

Each run here is a separate Python process with an EMPTY environment and without site
packages (`-S`), so nothing of the system (Django, settings, keys, database) can be reached.
"""

from __future__ import annotations

import ast
import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from requests_app import audit, services
from requests_app.exports import verify
from requests_app.exports.models import Export
from tests.factories import make_case
from tests.requests_app.exports.conftest import build, bundle_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def export(staff: Any, manager: Any) -> Export:
    make_case(actor=staff, manager=manager, state="closed")
    case = make_case(actor=staff, state="in_progress", kinds=("correction",))
    services.note_add(case=case, actor=staff, body="確認")
    return build(manager)


@pytest.fixture
def unpacked(export: Export, tmp_path: Path) -> Path:
    folder = tmp_path / "bundle"
    with zipfile.ZipFile(bundle_path(export)) as bundle:
        bundle.extractall(folder)
    return folder


def run_verifier(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-S", *args],
        cwd=cwd,
        env={},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


def test_inside_the_unpacked_bundle_it_needs_nothing_but_python(
    export: Export, unpacked: Path
) -> None:
    result = run_verifier("verify.py", cwd=unpacked)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    assert "出力ファイルは完全です：案件 2 件" in result.stdout
    assert "The bundle is intact: 2 cases" in result.stdout
    assert f"{export.event_count} event hashes recomputed" in result.stdout
    assert export.manifest_sha256 in result.stdout
    # Japanese first, then the same in English.
    japanese, english = result.stdout.split("\n\n", 1)
    assert "出力ファイルは完全です" in japanese and "The bundle is intact" in english


def test_given_the_zip_it_checks_the_zip(export: Export, unpacked: Path, tmp_path: Path) -> None:
    result = run_verifier(str(unpacked / "verify.py"), str(bundle_path(export)), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "The bundle is intact: 2 cases" in result.stdout


def test_one_changed_byte_in_the_unpacked_bundle_is_named(unpacked: Path) -> None:
    cases = unpacked / "cases.csv"
    data = bytearray(cases.read_bytes())
    data[40] ^= 0x01
    cases.write_bytes(bytes(data))
    result = run_verifier("verify.py", cwd=unpacked)
    assert result.returncode == 1
    assert result.stderr == ""  # a finding, not a traceback
    assert "出力ファイルを検証できません：cases.csv：SHA-256 が" in result.stdout
    assert "The bundle does not verify: cases.csv: its SHA-256 is" in result.stdout


def test_one_changed_byte_in_the_zip_is_named(
    export: Export, unpacked: Path, tmp_path: Path
) -> None:
    raw = bytearray(bundle_path(export).read_bytes())
    with zipfile.ZipFile(bundle_path(export)) as bundle:
        info = bundle.getinfo("events.jsonl")
    raw[info.header_offset + 30 + len(info.filename) + 20] ^= 0xFF  # inside the data
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(raw))
    result = run_verifier(str(unpacked / "verify.py"), str(damaged), cwd=tmp_path)
    assert result.returncode == 1
    assert "The bundle does not verify: events.jsonl:" in result.stdout


def test_a_changed_event_is_named_even_with_the_manifest_rewritten(unpacked: Path) -> None:
    """A forger who also fixes the manifest's file hash is caught by the event's own hash."""
    events = unpacked / "events.jsonl"
    text = events.read_text(encoding="utf-8")
    assert '"actor_username":"hanako"' in text
    events.write_text(text.replace('"actor_username":"hanako"', '"actor_username":"hanakx"', 1))
    manifest = unpacked / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    for entry in data["files"]:
        if entry["path"] == "events.jsonl":
            entry["sha256"] = hashlib.sha256(events.read_bytes()).hexdigest()
    manifest.write_text(json.dumps(data), encoding="utf-8")
    result = run_verifier("verify.py", cwd=unpacked)
    assert result.returncode == 1
    assert "its content does not match its hash." in result.stdout
    assert "内容がハッシュと一致しません。" in result.stdout


def test_a_file_left_beside_an_unpacked_bundle_is_named_not_checked(unpacked: Path) -> None:
    (unpacked / "notes.txt").write_text("監査メモ", encoding="utf-8")
    result = run_verifier("verify.py", cwd=unpacked)
    assert result.returncode == 0, result.stdout
    assert "Not part of the bundle, so not checked: notes.txt" in result.stdout


def test_a_manifest_that_points_outside_the_folder_is_refused(unpacked: Path) -> None:
    manifest = unpacked / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["files"].append({"path": "../outside.txt", "sha256": "0" * 64, "size": 0})
    manifest.write_text(json.dumps(data), encoding="utf-8")
    (unpacked.parent / "outside.txt").write_text("", encoding="utf-8")
    result = run_verifier("verify.py", cwd=unpacked)
    assert result.returncode == 1
    assert "../outside.txt points outside the bundle's folder" in result.stdout


def test_wrong_use_shows_how_to_use_it(unpacked: Path) -> None:
    result = run_verifier("verify.py", "a.zip", "b.zip", cwd=unpacked)
    assert result.returncode == 2
    assert "使い方：python3 verify.py" in result.stdout
    assert "Usage: python3 verify.py" in result.stdout
    missing = run_verifier("verify.py", "nowhere.zip", cwd=unpacked)
    assert missing.returncode == 1
    assert "not a readable ZIP bundle" in missing.stdout


def test_it_imports_the_standard_library_alone_and_parses_as_python_3_8() -> None:
    source = verify.source().decode()
    tree = ast.parse(source, feature_version=(3, 8))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}


def test_the_trail_and_the_verifier_hash_with_one_function() -> None:
    assert audit.chain_hash is verify.chain_hash
    assert audit.HASHED_FIELDS is verify.HASHED_FIELDS

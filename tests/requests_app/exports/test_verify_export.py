"""`manage.py verify_export`: a bundle passes untouched and fails, naming the first mismatch,
when one byte of one file or one field of one event is changed."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from requests_app import services
from requests_app.audit import chain_hash
from requests_app.exports.bundle import CONTENT_FIELDS
from requests_app.exports.models import Export
from requests_app.exports.verify import BundleProblem, verify_bundle
from requests_app.models import Case
from tests.factories import RequesterDataFactory, make_case
from tests.requests_app.exports.conftest import build, bundle_path, members, rewrite

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def export(staff: Any, manager: Any) -> Export:
    make_case(actor=staff, manager=manager, state="closed")
    case = make_case(actor=staff, state="in_progress", kinds=("correction",))
    services.note_add(case=case, actor=staff, body="確認")
    return build(manager)


def verify(path: Path, *options: str) -> str:
    out = StringIO()
    call_command("verify_export", str(path), *options, stdout=out)
    return out.getvalue()


def failure(path: Path, *options: str) -> str:
    """The English line of the failure (the Japanese one comes first)."""
    with pytest.raises(CommandError) as caught:
        verify(path, *options)
    lines = str(caught.value).splitlines()
    assert lines[0].startswith("出力ファイルを検証できません：")
    return lines[-1]


def with_manifest_fixed(files: dict[str, bytes], changed: str) -> dict[str, bytes]:
    """Also rewrite the manifest's hash for the changed file, as a careful forger would."""
    manifest = json.loads(files["manifest.json"])
    for entry in manifest["files"]:
        if entry["path"] == changed:
            entry["sha256"] = hashlib.sha256(files[changed]).hexdigest()
            entry["size"] = len(files[changed])
    return {changed: files[changed], "manifest.json": json.dumps(manifest).encode()}


def test_an_untouched_bundle_verifies(export: Export) -> None:
    output = verify(bundle_path(export))
    assert "The bundle is intact: 2 cases" in output
    assert f"{export.event_count} event hashes recomputed" in output
    assert export.manifest_sha256 in output


def test_one_changed_byte_in_one_file_is_named(export: Export, tmp_path: Path) -> None:
    files = members(export)
    data = bytearray(files["cases.csv"])
    data[40] ^= 0x01
    forged = tmp_path / "forged.zip"
    rewrite(bundle_path(export), forged, {"cases.csv": bytes(data)})
    message = failure(forged)
    assert message.startswith("The bundle does not verify: cases.csv: its SHA-256 is")
    assert "the manifest says" in message


def test_one_changed_byte_in_the_stored_zip_is_caught(export: Export, tmp_path: Path) -> None:
    raw = bytearray(bundle_path(export).read_bytes())
    with zipfile.ZipFile(bundle_path(export)) as bundle:
        info = bundle.getinfo("events.jsonl")
    raw[info.header_offset + 30 + len(info.filename) + 20] ^= 0xFF  # inside the data
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(raw))
    assert "events.jsonl:" in failure(damaged)


def test_one_changed_field_of_one_event_is_named(export: Export, tmp_path: Path) -> None:
    files = members(export)
    lines = files["events.jsonl"].decode().splitlines(keepends=True)
    target = json.loads(lines[3])
    target["actor_username"] = "someone-else"
    lines[3] = json.dumps(target, ensure_ascii=False, separators=(",", ":")) + "\n"
    files["events.jsonl"] = "".join(lines).encode()

    plain = tmp_path / "plain.zip"
    rewrite(bundle_path(export), plain, {"events.jsonl": files["events.jsonl"]})
    assert "events.jsonl: its SHA-256 is" in failure(plain)

    careful = tmp_path / "careful.zip"
    rewrite(bundle_path(export), careful, with_manifest_fixed(files, "events.jsonl"))
    assert failure(careful) == (
        f"The bundle does not verify: events.jsonl line 4 (event #{target['seq']}): "
        "its content does not match its hash."
    )


def test_an_event_whose_hash_was_recomputed_breaks_the_link_after_it(
    export: Export, tmp_path: Path
) -> None:
    files = members(export)
    lines = [json.loads(line) for line in files["events.jsonl"].decode().splitlines()]
    target = lines[1]
    assert lines[2]["seq"] == target["seq"] + 1
    target["to_state"] = "closed"
    target["hash"] = chain_hash(target["prev_hash"], {k: target[k] for k in CONTENT_FIELDS})
    files["events.jsonl"] = "".join(
        json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n" for line in lines
    ).encode()
    forged = tmp_path / "forged.zip"
    rewrite(bundle_path(export), forged, with_manifest_fixed(files, "events.jsonl"))
    assert failure(forged).endswith(
        f"line 3 (event #{lines[2]['seq']}): does not link to event #{target['seq']} before it."
    )


def test_a_removed_event_is_caught_by_the_case_counts(export: Export, tmp_path: Path) -> None:
    files = members(export)
    lines = files["events.jsonl"].decode().splitlines(keepends=True)
    removed = json.loads(lines[-1])
    files["events.jsonl"] = "".join(lines[:-1]).encode()
    manifest_files = with_manifest_fixed(files, "events.jsonl")
    manifest = json.loads(manifest_files["manifest.json"])
    manifest["counts"]["events"] -= 1
    manifest["events"]["last_seq"] = json.loads(lines[-2])["seq"]
    manifest_files["manifest.json"] = json.dumps(manifest).encode()
    forged = tmp_path / "forged.zip"
    rewrite(bundle_path(export), forged, manifest_files)
    reference = Case.objects.get(pk=removed["case_id"]).reference
    assert f"case {reference}: cases.csv says" in failure(forged)


def test_a_file_added_to_the_bundle_is_named(export: Export, tmp_path: Path) -> None:
    forged = tmp_path / "forged.zip"
    rewrite(bundle_path(export), forged, {})
    with zipfile.ZipFile(forged, "a") as bundle:
        bundle.writestr("letters/extra.pdf", b"%PDF")
    assert failure(forged).endswith("letters/extra.pdf is in the bundle but not in the manifest.")


def test_not_a_bundle(tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    assert "not a readable ZIP bundle" in failure(junk)
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w"):
        pass
    assert failure(empty).endswith("manifest.json is missing.")


def test_against_the_trail_a_clean_bundle_passes(export: Export) -> None:
    output = verify(bundle_path(export), "--against-trail")
    assert "The audit trail records this export" in output


def test_against_the_trail_a_fully_recomputed_forgery_is_caught(
    export: Export, tmp_path: Path
) -> None:
    """A forger who rewrites an event and every hash after it passes offline; not online."""
    files = members(export)
    lines = [json.loads(line) for line in files["events.jsonl"].decode().splitlines()]
    lines[0]["reason"] = "書き換えた理由"
    for index, line in enumerate(lines):
        if index and line["seq"] == lines[index - 1]["seq"] + 1:
            line["prev_hash"] = lines[index - 1]["hash"]
        line["hash"] = chain_hash(line["prev_hash"], {k: line[k] for k in CONTENT_FIELDS})
    files["events.jsonl"] = "".join(
        json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n" for line in lines
    ).encode()
    forged = tmp_path / "forged.zip"
    changed = with_manifest_fixed(files, "events.jsonl")
    rewrite(bundle_path(export), forged, changed)
    assert "The bundle is intact" in verify(forged)
    assert "the trail records no export with this manifest" in failure(forged, "--against-trail")


def test_masked_events_pass_offline_with_a_notice_and_online_in_full(
    staff: Any, auditor: Any
) -> None:
    case = make_case(actor=staff, state="in_progress")
    services.case_update_details(
        case=case,
        actor=staff,
        requester=RequesterDataFactory(phone="090-1234-5678", email="new.address@example.jp"),
        case_data=services.CaseData(
            arrival_date=case.arrival_date,
            postmark_date=case.postmark_date,
            mail_type=case.mail_type,
            registered_mail_number=case.registered_mail_number,
            disclosure_method=case.disclosure_method,
        ),
    )
    export = build(auditor)
    files = members(export)
    changed = [
        json.loads(line) for line in files["events.jsonl"].decode().splitlines() if "masked" in line
    ]
    assert len(changed) == 1
    line = changed[0]
    assert line["payload"]["changes"]["requester.phone"] == {
        "before": "05*-***-**55",
        "after": "09*-****-**78",
    }
    assert line["payload"]["changes"]["requester.email"]["after"] == "n***@example.jp"
    assert b"090-1234-5678" not in files["events.jsonl"] + files["cases.csv"]
    assert b"new.address@" not in files["events.jsonl"] + files["cases.csv"]
    manifest = json.loads(files["manifest.json"])
    assert manifest["events"]["masked_seqs"] == [line["seq"]]
    assert manifest["contact_details_masked"] is True

    output = verify(bundle_path(export))
    assert "1 events show masked contact details" in output
    assert "The audit trail records this export" in verify(bundle_path(export), "--against-trail")


def test_the_verifier_is_a_function_too(export: Export) -> None:
    result = verify_bundle(bundle_path(export))
    assert (result.cases, result.events) == (2, export.event_count)
    with pytest.raises(BundleProblem):
        verify_bundle(Path("/nonexistent.zip"))


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def test_an_auditor_needs_no_secret_key_scan_key_database_or_debug(
    export: Export, tmp_path: Path
) -> None:
    """No SECRET_KEY, IDENTITY_SCAN_KEY, DATABASE_URL or DEBUG: only a folder for var/."""
    var = tmp_path / "var"
    nothing_of_production = {"VAR_DIR": str(var)}
    result = manage("verify_export", str(bundle_path(export)), env=nothing_of_production)
    assert result.returncode == 0, result.stderr
    assert "The bundle is intact: 2 cases" in result.stdout
    assert "出力ファイルは完全です：案件 2 件" in result.stdout
    assert not (var / "db.sqlite3").exists()  # no database was opened

    forged = tmp_path / "forged.zip"
    data = bytearray(members(export)["cases.csv"])
    data[40] ^= 0x01
    rewrite(bundle_path(export), forged, {"cases.csv": bytes(data)})
    result = manage("verify_export", str(forged), env=nothing_of_production)
    assert result.returncode == 1
    assert "The bundle does not verify: cases.csv: its SHA-256 is" in result.stderr
    assert "Traceback" not in result.stderr

    # Against the trail, the command needs the system, and says what is missing.
    result = manage(
        "verify_export", "--against-trail", str(bundle_path(export)), env=nothing_of_production
    )
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr
    assert "IDENTITY_SCAN_KEY is required when DEBUG is off" in result.stderr

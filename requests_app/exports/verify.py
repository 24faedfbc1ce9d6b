"""Checking an export bundle: offline from the bundle alone, and against the live trail.

`verify_bundle` needs nothing but the ZIP. It recomputes the SHA-256 of every file and
compares it with the manifest, then reads events.jsonl line by line and recomputes each
event's hash from its own fields and its prev_hash, checks the link between every two events
that are neighbours in the chain, checks that the events are in chain order, belong to the
exported cases, end at or before the chain head the manifest names (and match it where the
head itself was exported), and that every case has as many events as cases.csv says. It
stops at the first thing that does not match and names it.

`verify_against_trail` adds what only the live system can prove: the trail's own chain is
intact, it records this export with this manifest's SHA-256, every exported event is the
trail's event of the same sequence number, and no event of the exported cases up to the head
was left out.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from requests_app import audit
from requests_app.exports.bundle import (
    CASES_FILE,
    CONTENT_FIELDS,
    EVENTS_FILE,
    FORMAT,
    MANIFEST_FILE,
)

READ_CHUNK = 1 << 20
TRAIL_CHUNK = 5000
# cases.csv columns read back (positions; the headings are in the exporter's language).
REFERENCE_COLUMN, CASE_ID_COLUMN, EVENTS_COLUMN = 0, 1, 25


class BundleProblem(Exception):
    """The first thing in a bundle that does not match."""


@dataclass
class Verification:
    manifest: dict[str, Any]
    manifest_sha256: str
    cases: int = 0
    events: int = 0
    files: int = 0
    links_checked: int = 0
    hashes_checked: int = 0
    masked_seqs: list[int] = field(default_factory=list)


def verify_bundle(source: str | Path | IO[bytes]) -> Verification:
    """Check the bundle; raise BundleProblem naming the first mismatch."""
    try:
        bundle = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BundleProblem(f"the file is not a readable ZIP bundle ({exc})") from exc
    with bundle:
        manifest, manifest_sha256 = _manifest(bundle)
        result = Verification(manifest=manifest, manifest_sha256=manifest_sha256)
        _check_files(bundle, manifest, result)
        case_events, references = _read_cases(bundle, manifest, result)
        _check_events(bundle, manifest, case_events, references, result)
    return result


def _manifest(bundle: zipfile.ZipFile) -> tuple[dict[str, Any], str]:
    try:
        raw = bundle.read(MANIFEST_FILE)
    except KeyError as exc:
        raise BundleProblem(f"{MANIFEST_FILE} is missing") from exc
    try:
        manifest = json.loads(raw)
    except ValueError as exc:
        raise BundleProblem(f"{MANIFEST_FILE} is not valid JSON ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleProblem(f"{MANIFEST_FILE} is not a manifest of the format {FORMAT}")
    for key in ("files", "audit_chain", "counts", "events"):
        if key not in manifest:
            raise BundleProblem(f"{MANIFEST_FILE} has no {key!r}")
    return manifest, hashlib.sha256(raw).hexdigest()


def _check_files(bundle: zipfile.ZipFile, manifest: dict[str, Any], result: Verification) -> None:
    listed = set()
    for entry in manifest["files"]:
        path = entry["path"]
        listed.add(path)
        try:
            info = bundle.getinfo(path)
        except KeyError as exc:
            raise BundleProblem(f"{path} is listed in the manifest but missing") from exc
        digest = hashlib.sha256()
        size = 0
        try:
            with bundle.open(info) as member:
                while chunk := member.read(READ_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            # A changed byte inside a compressed member usually breaks its CRC first.
            raise BundleProblem(f"{path}: the file is damaged ({exc})") from exc
        if digest.hexdigest() != entry["sha256"]:
            raise BundleProblem(
                f"{path}: its SHA-256 is {digest.hexdigest()}, the manifest says {entry['sha256']}"
            )
        if size != entry["size"]:
            raise BundleProblem(f"{path}: it has {size} bytes, the manifest says {entry['size']}")
        result.files += 1
    for name in bundle.namelist():
        if name != MANIFEST_FILE and name not in listed:
            raise BundleProblem(f"{name} is in the bundle but not in the manifest")
    for required in (CASES_FILE, EVENTS_FILE):
        if required not in listed:
            raise BundleProblem(f"{required} is not in the manifest")


def _text_lines(bundle: zipfile.ZipFile, name: str) -> Iterator[str]:
    with bundle.open(name) as member:
        yield from io.TextIOWrapper(member, encoding="utf-8-sig", newline="")


def _read_cases(
    bundle: zipfile.ZipFile, manifest: dict[str, Any], result: Verification
) -> tuple[dict[int, int], dict[int, str]]:
    """Case id → the number of events cases.csv says it has (and its reference)."""
    expected: dict[int, int] = {}
    references: dict[int, str] = {}
    rows = csv.reader(_text_lines(bundle, CASES_FILE))
    next(rows, None)  # the headings
    for number, row in enumerate(rows, start=2):
        try:
            case_id = int(row[CASE_ID_COLUMN])
            expected[case_id] = int(row[EVENTS_COLUMN])
            references[case_id] = row[REFERENCE_COLUMN]
        except (IndexError, ValueError) as exc:
            raise BundleProblem(f"{CASES_FILE} line {number}: not a case row") from exc
    result.cases = len(expected)
    if result.cases != manifest["counts"].get("cases"):
        raise BundleProblem(
            f"{CASES_FILE} holds {result.cases} cases, the manifest says "
            f"{manifest['counts'].get('cases')}"
        )
    return expected, references


def _check_events(
    bundle: zipfile.ZipFile,
    manifest: dict[str, Any],
    expected: dict[int, int],
    references: dict[int, str],
    result: Verification,
) -> None:
    head_seq = manifest["audit_chain"]["head_seq"]
    head_hash = manifest["audit_chain"]["head_hash"]
    declared_masked = set(manifest["events"].get("masked_seqs") or [])
    found: dict[int, int] = {}
    previous: dict[str, Any] | None = None
    first_seq = last_seq = None
    for number, line in enumerate(_text_lines(bundle, EVENTS_FILE), start=1):
        where = f"{EVENTS_FILE} line {number}"
        try:
            event = json.loads(line)
            seq = event["seq"]
            content = {name: event[name] for name in CONTENT_FIELDS}
            prev_hash, own_hash = event["prev_hash"], event["hash"]
        except (ValueError, KeyError, TypeError) as exc:
            raise BundleProblem(f"{where}: not a complete event ({exc})") from exc
        where = f"{where} (event #{seq})"
        if previous is not None and seq <= previous["seq"]:
            raise BundleProblem(f"{where}: out of chain order after event #{previous['seq']}")
        if seq > head_seq:
            raise BundleProblem(f"{where}: comes after the chain head #{head_seq} of the export")
        if event["case_id"] not in expected:
            raise BundleProblem(f"{where}: its case (id {event['case_id']}) is not in {CASES_FILE}")
        if previous is not None and seq == previous["seq"] + 1:
            if prev_hash != previous["hash"]:
                raise BundleProblem(f"{where}: does not link to event #{previous['seq']} before it")
            result.links_checked += 1
        if "masked" in event:
            if seq not in declared_masked:
                raise BundleProblem(f"{where}: marked as masked, but the manifest does not say so")
            result.masked_seqs.append(seq)
        else:
            if audit.chain_hash(prev_hash, content) != own_hash:
                raise BundleProblem(f"{where}: its content does not match its hash")
            result.hashes_checked += 1
        if seq == head_seq and own_hash != head_hash:
            raise BundleProblem(f"{where}: is the chain head, but its hash is not the manifest's")
        found[event["case_id"]] = found.get(event["case_id"], 0) + 1
        first_seq = seq if first_seq is None else first_seq
        last_seq = seq
        previous = {"seq": seq, "hash": own_hash}
        result.events += 1
    counts = manifest["counts"]
    if result.events != counts.get("events"):
        raise BundleProblem(
            f"{EVENTS_FILE} holds {result.events} events, the manifest says {counts.get('events')}"
        )
    if set(result.masked_seqs) != declared_masked:
        raise BundleProblem(f"the manifest lists masked events that {EVENTS_FILE} does not mark")
    if (first_seq, last_seq) != (
        manifest["events"].get("first_seq"),
        manifest["events"].get("last_seq"),
    ):
        raise BundleProblem(f"{EVENTS_FILE} does not start and end where the manifest says")
    for case_id, count in expected.items():
        if found.get(case_id, 0) != count:
            raise BundleProblem(
                f"case {references[case_id]}: {CASES_FILE} says {count} events, "
                f"{EVENTS_FILE} holds {found.get(case_id, 0)}"
            )


# --- against the live audit trail ------------------------------------------------------


def verify_against_trail(source: str | Path | IO[bytes], result: Verification) -> None:
    """Check a bundle that passed `verify_bundle` against this system's audit trail."""
    problem = audit.verify_chain()
    if problem is not None:
        raise BundleProblem(f"the audit trail itself is broken at {problem}")
    manifest = result.manifest
    head_seq = manifest["audit_chain"]["head_seq"]
    head = audit.AuditEvent.objects.filter(seq=head_seq).values_list("hash", flat=True).first()
    if head_seq and head != manifest["audit_chain"]["head_hash"]:
        raise BundleProblem(f"the trail's event #{head_seq} is not the chain head in the manifest")
    recorded = audit.AuditEvent.objects.filter(
        action="export.completed", payload__manifest_sha256=result.manifest_sha256
    ).exists()
    if not recorded:
        raise BundleProblem(
            f"the trail records no export with this manifest (SHA-256 {result.manifest_sha256})"
        )
    with zipfile.ZipFile(source) as bundle:
        pending: dict[int, str] = {}
        for line in _text_lines(bundle, EVENTS_FILE):
            event = json.loads(line)
            pending[event["seq"]] = event["hash"]
            if len(pending) >= TRAIL_CHUNK:
                _compare_with_trail(pending)
                pending = {}
        _compare_with_trail(pending)
        rows = csv.reader(_text_lines(bundle, CASES_FILE))
        next(rows, None)
        case_ids = [int(row[CASE_ID_COLUMN]) for row in rows]
    in_trail = 0
    for start in range(0, len(case_ids), TRAIL_CHUNK):
        chunk = case_ids[start : start + TRAIL_CHUNK]
        in_trail += audit.AuditEvent.objects.filter(case_id__in=chunk, seq__lte=head_seq).count()
    if in_trail != result.events:
        raise BundleProblem(
            f"the trail holds {in_trail} events of these cases up to #{head_seq}, "
            f"the bundle {result.events}: events were left out"
        )


def _compare_with_trail(hashes: dict[int, str]) -> None:
    if not hashes:
        return
    stored = dict(audit.AuditEvent.objects.filter(seq__in=list(hashes)).values_list("seq", "hash"))
    for seq in sorted(hashes):
        if stored.get(seq) != hashes[seq]:
            raise BundleProblem(f"event #{seq} is not the trail's event #{seq}")

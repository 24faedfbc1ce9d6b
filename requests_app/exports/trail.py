"""A bundle against this system's audit trail: what only the live system can prove.

`verify.verify_bundle` (the file every bundle carries) checks the bundle on its own. This adds
that the trail's own chain is intact, that it records this export with this manifest's
SHA-256, that every exported event is the trail's event of the same sequence number, and that
no event of the exported cases up to the head was left out. It needs the database.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

from requests_app import audit
from requests_app.exports.verify import (
    CASE_ID_COLUMN,
    EVENTS_FILE,
    BundleProblem,
    Message,
    Verification,
    case_rows,
    open_bundle,
)

TRAIL_CHUNK = 5000

CONFIRMED = Message(
    "  監査記録にこの出力が記録されており、出力されたすべての記録が監査記録と同一で、"
    "先頭までにこれらの案件のほかの記録はありません。",
    "  The audit trail records this export, holds every exported event unchanged "
    "and no other event of these cases up to the head.",
)


def verify_against_trail(source: str | Path | IO[bytes], result: Verification) -> None:
    """Check a bundle that passed `verify_bundle` against this system's audit trail."""
    problem = audit.verify_chain()
    if problem is not None:
        raise BundleProblem(
            f"監査記録のチェーンそのものが壊れています（{problem}）",
            f"the audit trail itself is broken at {problem}",
        )
    manifest = result.manifest
    head_seq = manifest["audit_chain"]["head_seq"]
    head = audit.AuditEvent.objects.filter(seq=head_seq).values_list("hash", flat=True).first()
    if head_seq and head != manifest["audit_chain"]["head_hash"]:
        raise BundleProblem(
            f"監査記録の記録 #{head_seq} がマニフェストのチェーンの先頭と異なります",
            f"the trail's event #{head_seq} is not the chain head in the manifest",
        )
    recorded = audit.AuditEvent.objects.filter(
        action="export.completed", payload__manifest_sha256=result.manifest_sha256
    ).exists()
    if not recorded:
        raise BundleProblem(
            f"監査記録にこのマニフェスト（SHA-256 {result.manifest_sha256}）の"
            "出力の記録がありません",
            f"the trail records no export with this manifest (SHA-256 {result.manifest_sha256})",
        )
    with open_bundle(source) as bundle:
        pending: dict[int, str] = {}
        for line in bundle.lines(EVENTS_FILE):
            seq, own_hash = _seq_and_hash(line)
            pending[seq] = own_hash
            if len(pending) >= TRAIL_CHUNK:
                _compare_with_trail(pending)
                pending = {}
        _compare_with_trail(pending)
        case_ids = [int(row[CASE_ID_COLUMN]) for _, row in case_rows(bundle)]
    in_trail = 0
    for start in range(0, len(case_ids), TRAIL_CHUNK):
        chunk = case_ids[start : start + TRAIL_CHUNK]
        in_trail += audit.AuditEvent.objects.filter(case_id__in=chunk, seq__lte=head_seq).count()
    if in_trail != result.events:
        raise BundleProblem(
            f"監査記録には #{head_seq} までにこれらの案件の記録が {in_trail} 件ありますが、"
            f"出力ファイルには {result.events} 件しかありません：記録が漏れています",
            f"the trail holds {in_trail} events of these cases up to #{head_seq}, "
            f"the bundle {result.events}: events were left out",
        )


def _seq_and_hash(line: str) -> tuple[int, str]:
    event = json.loads(line)
    return int(event["seq"]), str(event["hash"])


def _compare_with_trail(hashes: dict[int, str]) -> None:
    if not hashes:
        return
    stored = dict(audit.AuditEvent.objects.filter(seq__in=list(hashes)).values_list("seq", "hash"))
    for seq in sorted(hashes):
        if stored.get(seq) != hashes[seq]:
            raise BundleProblem(
                f"記録 #{seq} が監査記録の記録 #{seq} と異なります",
                f"event #{seq} is not the trail's event #{seq}",
            )

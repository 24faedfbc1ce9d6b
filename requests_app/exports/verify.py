#!/usr/bin/env python3
"""Check an export bundle of CMC's APPI requests system with nothing but Python 3.8 or newer.

開示等の請求管理システムの監査用出力ファイル（ZIP）を検証します。
Python 3.8 以降の標準ライブラリだけで動き、システムの設定・鍵・データベースは要りません。

    python3 verify.py                 inside the unpacked bundle (the folder holding this file)
    python3 verify.py BUNDLE.zip      the bundle as downloaded
    python3 verify.py FOLDER          a bundle unpacked elsewhere

This file is the system's own verifier (requests_app/exports/verify.py), copied unchanged into
every bundle as verify.py; `manage.py verify_export` runs this same code. It recomputes the
SHA-256 of every file and compares it with manifest.json, then reads events.jsonl line by line
and recomputes each event's hash from its own fields and its prev_hash, checks the link
between every two events that are neighbours in the chain, that the events are in chain
order, belong to the exported cases, end at or before the chain head the manifest names (and
match it where the head itself was exported), and that every case has as many events as
cases.csv says. It stops at the first thing that does not match and names it, in Japanese
and in English. Exit status: 0 intact, 1 does not verify, 2 wrong use.

What only the live system can add (its own chain intact, this export recorded, every event
the trail's own, none left out) is `manage.py verify_export --against-trail` on the system.

The audit trail computes its hashes with `chain_hash` below (requests_app/audit.py imports
it), so the system and an auditor's copy of this file cannot disagree on what a hash is.
"""

from __future__ import annotations

import abc
import csv
import hashlib
import io
import json
import sys
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

FORMAT = "cmc-appi-case-history/1"
CASES_FILE = "cases.csv"
EVENTS_FILE = "events.jsonl"
README_FILE = "README.txt"
MANIFEST_FILE = "manifest.json"
VERIFIER_FILE = "verify.py"
# The fields of an audit event that its hash covers, in order.
HASHED_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_username",
    "case_id",
    "action",
    "from_state",
    "to_state",
    "reason",
    "payload",
)
# cases.csv columns read back (positions; the headings are in the exporter's language).
REFERENCE_COLUMN, CASE_ID_COLUMN, EVENTS_COLUMN = 0, 1, 25
READ_CHUNK = 1 << 20


def chain_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    """SHA-256 of the previous hash, a newline and the content as canonical JSON."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


# --- messages, in Japanese and English ---------------------------------------------------


@dataclass(frozen=True)
class Message:
    ja: str
    en: str

    def __str__(self) -> str:
        return f"{self.ja}\n{self.en}"


def render(messages: Sequence[Message]) -> str:
    """The Japanese lines, a blank line, then the same in English."""
    return "\n".join(
        [*(message.ja for message in messages), "", *(message.en for message in messages)]
    )


class BundleProblem(Exception):
    """The first thing in a bundle that does not match, in both languages."""

    def __init__(self, ja: str, en: str) -> None:
        super().__init__(en)
        self.message = Message(ja, en)


def _problem(where: Message, ja: str, en: str) -> BundleProblem:
    return BundleProblem(f"{where.ja}：{ja}", f"{where.en}: {en}")


def failure(problem: BundleProblem) -> Message:
    return Message(
        f"出力ファイルを検証できません：{problem.message.ja}。",
        f"The bundle does not verify: {problem.message.en}.",
    )


# --- the bundle: a ZIP, or the folder it was unpacked into -------------------------------


class Bundle(abc.ABC):
    """The files of a bundle by their names in the manifest (a/b.pdf): a ZIP, or the folder
    it was unpacked into."""

    is_folder = False

    @abc.abstractmethod
    def names(self) -> list[str]:
        """Every file's name, as the manifest writes it."""

    @abc.abstractmethod
    def open(self, name: str) -> IO[bytes]:
        """The file's bytes; KeyError if it is not in the bundle."""

    def close(self) -> None:  # noqa: B027  (a folder holds nothing open; a ZIP overrides it)
        """Release what the bundle holds open."""

    def __enter__(self) -> Bundle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, name: str) -> bytes:
        with self.open(name) as member:
            return member.read()

    def lines(self, name: str) -> Iterator[str]:
        """A text file line by line (UTF-8; a byte-order mark is skipped)."""
        with self.open(name) as member:
            yield from io.TextIOWrapper(member, encoding="utf-8-sig", newline="")


class _ZipBundle(Bundle):
    def __init__(self, source: str | Path | IO[bytes]) -> None:
        self._zip = zipfile.ZipFile(source)

    def names(self) -> list[str]:
        return [name for name in self._zip.namelist() if not name.endswith("/")]

    def open(self, name: str) -> IO[bytes]:
        return self._zip.open(self._zip.getinfo(name))

    def close(self) -> None:
        self._zip.close()


class _FolderBundle(Bundle):
    is_folder = True

    def __init__(self, root: Path) -> None:
        self._root = root.resolve()

    def names(self) -> list[str]:
        return sorted(
            path.relative_to(self._root).as_posix()
            for path in self._root.rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        )

    def open(self, name: str) -> IO[bytes]:
        path = self._root.joinpath(*PurePosixPath(name).parts).resolve()
        if self._root not in path.parents:
            raise BundleProblem(
                f"{name} は出力ファイルのフォルダの外を指しています",
                f"{name} points outside the bundle's folder",
            )
        if not path.is_file():
            raise KeyError(name)
        return path.open("rb")


def open_bundle(source: str | Path | IO[bytes]) -> Bundle:
    if isinstance(source, (str, Path)) and Path(source).is_dir():
        return _FolderBundle(Path(source))
    try:
        return _ZipBundle(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BundleProblem(
            f"ファイルを ZIP の出力ファイルとして読めません（{exc}）",
            f"the file is not a readable ZIP bundle ({exc})",
        ) from exc


def case_rows(bundle: Bundle) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) for every case row of cases.csv, headings skipped."""
    rows = csv.reader(bundle.lines(CASES_FILE))
    next(rows, None)
    yield from enumerate(rows, start=2)


# --- the check ---------------------------------------------------------------------------


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
    # Files in an unpacked folder that the manifest does not list (not part of the bundle).
    unlisted: list[str] = field(default_factory=list)


def verify_bundle(source: str | Path | IO[bytes]) -> Verification:
    """Check the bundle (a ZIP, or the folder it was unpacked into); raise BundleProblem
    naming the first mismatch."""
    with open_bundle(source) as bundle:
        manifest, manifest_sha256 = _manifest(bundle)
        result = Verification(manifest=manifest, manifest_sha256=manifest_sha256)
        _check_files(bundle, manifest, result)
        case_events, references = _read_cases(bundle, manifest, result)
        _check_events(bundle, manifest, case_events, references, result)
    return result


def _manifest(bundle: Bundle) -> tuple[dict[str, Any], str]:
    try:
        raw = bundle.read(MANIFEST_FILE)
    except KeyError as exc:
        raise BundleProblem(f"{MANIFEST_FILE} がありません", f"{MANIFEST_FILE} is missing") from exc
    try:
        manifest = json.loads(raw)
    except ValueError as exc:
        raise BundleProblem(
            f"{MANIFEST_FILE} が正しい JSON ではありません（{exc}）",
            f"{MANIFEST_FILE} is not valid JSON ({exc})",
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleProblem(
            f"{MANIFEST_FILE} が {FORMAT} 形式のマニフェストではありません",
            f"{MANIFEST_FILE} is not a manifest of the format {FORMAT}",
        )
    for key in ("files", "audit_chain", "counts", "events"):
        if key not in manifest:
            raise BundleProblem(
                f"{MANIFEST_FILE} に {key!r} がありません", f"{MANIFEST_FILE} has no {key!r}"
            )
    return manifest, hashlib.sha256(raw).hexdigest()


def _check_files(bundle: Bundle, manifest: dict[str, Any], result: Verification) -> None:
    listed = set()
    for entry in manifest["files"]:
        path = entry["path"]
        listed.add(path)
        where = Message(path, path)
        digest = hashlib.sha256()
        size = 0
        try:
            with bundle.open(path) as member:
                while True:
                    chunk = member.read(READ_CHUNK)
                    if not chunk:
                        break
                    digest.update(chunk)
                    size += len(chunk)
        except KeyError as exc:
            raise BundleProblem(
                f"{path} はマニフェストに記載されていますが、見つかりません",
                f"{path} is listed in the manifest but missing",
            ) from exc
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            # A changed byte inside a compressed member usually breaks its CRC first.
            raise _problem(
                where, f"ファイルが壊れています（{exc}）", f"the file is damaged ({exc})"
            ) from exc
        if digest.hexdigest() != entry["sha256"]:
            raise _problem(
                where,
                f"SHA-256 が {digest.hexdigest()} で、"
                f"マニフェストの {entry['sha256']} と一致しません",
                f"its SHA-256 is {digest.hexdigest()}, the manifest says {entry['sha256']}",
            )
        if size != entry["size"]:
            raise _problem(
                where,
                f"{size} バイトで、マニフェストの {entry['size']} バイトと一致しません",
                f"it has {size} bytes, the manifest says {entry['size']}",
            )
        result.files += 1
    for name in bundle.names():
        if name == MANIFEST_FILE or name in listed:
            continue
        if bundle.is_folder:
            # An unpacked folder may gain files the bundle never had (a desktop's index
            # files, notes); they are named in the report, not taken for part of the bundle.
            result.unlisted.append(name)
            continue
        raise BundleProblem(
            f"{name} は出力ファイルに含まれていますが、マニフェストに記載がありません",
            f"{name} is in the bundle but not in the manifest",
        )
    for required in (CASES_FILE, EVENTS_FILE):
        if required not in listed:
            raise BundleProblem(
                f"{required} がマニフェストに記載されていません",
                f"{required} is not in the manifest",
            )


def _read_cases(
    bundle: Bundle, manifest: dict[str, Any], result: Verification
) -> tuple[dict[int, int], dict[int, str]]:
    """Case id → the number of events cases.csv says it has (and its reference)."""
    expected: dict[int, int] = {}
    references: dict[int, str] = {}
    for number, row in case_rows(bundle):
        try:
            case_id = int(row[CASE_ID_COLUMN])
            expected[case_id] = int(row[EVENTS_COLUMN])
            references[case_id] = row[REFERENCE_COLUMN]
        except (IndexError, ValueError) as exc:
            raise BundleProblem(
                f"{CASES_FILE} の {number} 行目：案件の行ではありません",
                f"{CASES_FILE} line {number}: not a case row",
            ) from exc
    result.cases = len(expected)
    declared = manifest["counts"].get("cases")
    if result.cases != declared:
        raise BundleProblem(
            f"{CASES_FILE} の案件は {result.cases} 件ですが、マニフェストでは {declared} 件です",
            f"{CASES_FILE} holds {result.cases} cases, the manifest says {declared}",
        )
    return expected, references


def _check_events(
    bundle: Bundle,
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
    for number, line in enumerate(bundle.lines(EVENTS_FILE), start=1):
        where = Message(f"{EVENTS_FILE} の {number} 行目", f"{EVENTS_FILE} line {number}")
        try:
            event = json.loads(line)
            seq = event["seq"]
            content = {name: event[name] for name in HASHED_FIELDS}
            prev_hash, own_hash = event["prev_hash"], event["hash"]
        except (ValueError, KeyError, TypeError) as exc:
            raise _problem(
                where,
                f"記録として完全ではありません（{exc}）",
                f"not a complete event ({exc})",
            ) from exc
        where = Message(f"{where.ja}（記録 #{seq}）", f"{where.en} (event #{seq})")
        if previous is not None and seq <= previous["seq"]:
            raise _problem(
                where,
                f"記録 #{previous['seq']} の後にあり、チェーンの順になっていません",
                f"out of chain order after event #{previous['seq']}",
            )
        if seq > head_seq:
            raise _problem(
                where,
                f"出力時のチェーンの先頭 #{head_seq} より後の記録です",
                f"comes after the chain head #{head_seq} of the export",
            )
        if event["case_id"] not in expected:
            raise _problem(
                where,
                f"この記録の案件（id {event['case_id']}）が {CASES_FILE} にありません",
                f"its case (id {event['case_id']}) is not in {CASES_FILE}",
            )
        if previous is not None and seq == previous["seq"] + 1:
            if prev_hash != previous["hash"]:
                raise _problem(
                    where,
                    f"直前の記録 #{previous['seq']} につながっていません",
                    f"does not link to event #{previous['seq']} before it",
                )
            result.links_checked += 1
        if "masked" in event:
            if seq not in declared_masked:
                raise _problem(
                    where,
                    "伏せた値があると記されていますが、マニフェストにその記載がありません",
                    "marked as masked, but the manifest does not say so",
                )
            result.masked_seqs.append(seq)
        else:
            if chain_hash(prev_hash, content) != own_hash:
                raise _problem(
                    where, "内容がハッシュと一致しません", "its content does not match its hash"
                )
            result.hashes_checked += 1
        if seq == head_seq and own_hash != head_hash:
            raise _problem(
                where,
                "チェーンの先頭の記録ですが、ハッシュがマニフェストのものと異なります",
                "is the chain head, but its hash is not the manifest's",
            )
        found[event["case_id"]] = found.get(event["case_id"], 0) + 1
        first_seq = seq if first_seq is None else first_seq
        last_seq = seq
        previous = {"seq": seq, "hash": own_hash}
        result.events += 1
    declared = manifest["counts"].get("events")
    if result.events != declared:
        raise BundleProblem(
            f"{EVENTS_FILE} の記録は {result.events} 件ですが、マニフェストでは {declared} 件です",
            f"{EVENTS_FILE} holds {result.events} events, the manifest says {declared}",
        )
    if set(result.masked_seqs) != declared_masked:
        raise BundleProblem(
            f"マニフェストに記載された伏せた記録が {EVENTS_FILE} で示されていません",
            f"the manifest lists masked events that {EVENTS_FILE} does not mark",
        )
    if (first_seq, last_seq) != (
        manifest["events"].get("first_seq"),
        manifest["events"].get("last_seq"),
    ):
        raise BundleProblem(
            f"{EVENTS_FILE} の最初と最後の記録がマニフェストの記載と異なります",
            f"{EVENTS_FILE} does not start and end where the manifest says",
        )
    for case_id, count in expected.items():
        held = found.get(case_id, 0)
        if held != count:
            raise BundleProblem(
                f"案件 {references[case_id]}：{CASES_FILE} では記録 {count} 件ですが、"
                f"{EVENTS_FILE} には {held} 件あります",
                f"case {references[case_id]}: {CASES_FILE} says {count} events, "
                f"{EVENTS_FILE} holds {held}",
            )


# --- the report --------------------------------------------------------------------------


def report(result: Verification) -> list[Message]:
    """What a successful check found, line by line."""
    chain = result.manifest["audit_chain"]
    lines = [
        Message(
            f"出力ファイルは完全です：案件 {result.cases} 件、記録 {result.events} 件、"
            f"ファイル {result.files} 個がマニフェストと一致しました。",
            f"The bundle is intact: {result.cases} cases, {result.events} events, "
            f"{result.files} files match the manifest.",
        ),
        Message(
            f"  記録のハッシュ {result.hashes_checked} 件を計算し直し、チェーン上で隣り合う"
            f"記録のつながり {result.links_checked} 件を確かめました。",
            f"  {result.hashes_checked} event hashes recomputed, "
            f"{result.links_checked} links between neighbouring events checked.",
        ),
    ]
    if result.masked_seqs:
        lines.append(
            Message(
                f"  {len(result.masked_seqs)} 件の記録は連絡先の一部を伏せています。そのハッシュは"
                "システム上でのみ確かめられます（manage.py verify_export --against-trail）。",
                f"  {len(result.masked_seqs)} events show masked contact details; their "
                "hashes can be confirmed only against the trail, on the system "
                "(manage.py verify_export --against-trail).",
            )
        )
    lines.extend(
        Message(
            f"  出力ファイルの一部ではないため検証していないファイル：{name}",
            f"  Not part of the bundle, so not checked: {name}",
        )
        for name in result.unlisted
    )
    lines += [
        Message(
            f"  出力時の監査記録のチェーンの先頭：#{chain['head_seq']} {chain['head_hash']}",
            f"  Audit chain head at export: #{chain['head_seq']} {chain['head_hash']}",
        ),
        Message(
            f"  マニフェストの SHA-256：{result.manifest_sha256}",
            f"  Manifest SHA-256: {result.manifest_sha256}",
        ),
    ]
    return lines


OFFLINE_CAVEAT = Message(
    "  システムが作った出力ファイルそのものであることは、このマニフェストの SHA-256 を監査記録の"
    "出力の記録と照合するか、システム上で --against-trail を付けて検証すると確かめられます。",
    "  Compare the manifest SHA-256 with the export's entry in the audit trail (or run with "
    "--against-trail on the system) to know the bundle is the one the system made.",
)

USAGE = Message(
    "使い方：python3 verify.py [出力ファイル.zip または展開したフォルダ]\n"
    "（指定しなければ、このファイルのあるフォルダを検証します）",
    "Usage: python3 verify.py [BUNDLE.zip or the unpacked folder]\n"
    "(without one, the folder holding this file is checked)",
)


def source() -> bytes:
    """This file, as every bundle carries it."""
    return Path(__file__).read_bytes()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        # A console that cannot show Japanese still gets every English line.
        reconfigure(errors="backslashreplace")
    if args[:1] in (["-h"], ["--help"]):
        print(render([USAGE]))
        return 0
    if len(args) > 1:
        print(render([USAGE]))
        return 2
    target = args[0] if args else str(Path(__file__).resolve().parent)
    try:
        result = verify_bundle(target)
    except BundleProblem as problem:
        print(render([failure(problem)]))
        return 1
    print(render([*report(result), OFFLINE_CAVEAT]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

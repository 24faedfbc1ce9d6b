"""The export bundle: a ZIP of case histories that an auditor can verify on their own.

    cases.csv      one row per case, written by requests_app.csvsafe (UTF-8 with a BOM, so
                   Excel in Japanese reads it; no cell a spreadsheet would run as a formula)
    searches.csv   one row per department's search of those cases (the data map)
    events.jsonl   every audit event of those cases, one JSON object per line, in chain
                   order, each with the fields its hash covers, its prev_hash and its hash
    <attachments>  every file a registered provider holds for those cases (letter PDFs)
    verify.py      the verifier (requests_app/exports/verify.py as it is): Python 3.8+ and its
                   standard library alone check the bundle, `python3 verify.py`
    README.txt     what the files are, what verification proves and how to run it
    manifest.json  the SHA-256 and size of every file above, the filters, who exported it
                   and when, and the audit chain's head at the moment of export

Everything is streamed: cases come through the ORM's chunked iterator (a server-side cursor
on PostgreSQL), events through PostgreSQL's COPY … TO STDOUT with the database rendering each
line (the ORM's iterator elsewhere); each row is written into its ZIP member as it arrives and
hashed on the way, and the ZIP goes into a file, so memory stays flat however many cases
there are.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import IO, Any

from django.db import connection
from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from requests_app import audit, selectors
from requests_app.choices import AgentKind, CaseState, Channel, MailType, Relationship, RequestKind
from requests_app.csvsafe import Cell, CsvWriter
from requests_app.datamap.export import write_searches
from requests_app.exports import attachments, verify
from requests_app.exports.masking import mask_contact_values, mask_email, mask_phone
from requests_app.models import Case, FeePayment, RequestItem
from requests_app.outcomes import outcome_label
from requests_app.people import person_name

# The bundle's names and format are the verifier's: it is the one that reads them back.
FORMAT = verify.FORMAT
CASES_FILE = verify.CASES_FILE
EVENTS_FILE = verify.EVENTS_FILE
README_FILE = verify.README_FILE
MANIFEST_FILE = verify.MANIFEST_FILE
VERIFIER_FILE = verify.VERIFIER_FILE
# The departments' searches of these cases (the data map): who searched what, when, found what.
SEARCHES_FILE = "searches.csv"
RESERVED = frozenset(
    {CASES_FILE, SEARCHES_FILE, EVENTS_FILE, README_FILE, MANIFEST_FILE, VERIFIER_FILE}
)
# The fields of an event that its hash covers, and every column written per event.
CONTENT_FIELDS = audit.HASHED_FIELDS
EVENT_COLUMNS = audit.EVENT_COLUMNS
CHUNK_ROWS = 5000
FLUSH_BYTES = 1 << 20

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Criteria:
    """Which cases a bundle holds: the case list's filters plus an arrival period.

    `as_of` is the day the person asked (the "due this week" and "overdue" filters depend
    on it), so a task that runs later exports what the person saw.
    """

    filters: selectors.CaseFilters = field(default_factory=selectors.CaseFilters)
    arrival_from: date | None = None
    arrival_to: date | None = None
    as_of: date | None = None

    def to_json(self) -> dict[str, str]:
        return {
            **dict.fromkeys(selectors.CaseFilters.__dataclass_fields__, ""),
            **self.filters.as_params(),
            "arrival_from": _iso(self.arrival_from),
            "arrival_to": _iso(self.arrival_to),
            "as_of": _iso(self.as_of),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Criteria:
        return cls(
            filters=selectors.CaseFilters.from_params(data),
            arrival_from=_date(data.get("arrival_from")),
            arrival_to=_date(data.get("arrival_to")),
            as_of=_date(data.get("as_of")),
        )


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def exported_cases(criteria: Criteria) -> QuerySet[Case]:
    """The cases of a bundle: exactly what the case list shows for the same filters, in the
    period. The list's own selector does the filtering, so the two can never disagree."""
    cases = selectors.case_list(criteria.filters, today=criteria.as_of)
    # The list loads only what it shows; a bundle needs whole rows.
    cases = cases.defer(None).prefetch_related(None)
    if criteria.arrival_from:
        cases = cases.filter(arrival_date__gte=criteria.arrival_from)
    if criteria.arrival_to:
        cases = cases.filter(arrival_date__lte=criteria.arrival_to)
    return cases.order_by("arrival_date", "id")


def exported_events(criteria: Criteria, head_seq: int) -> QuerySet[audit.AuditEvent]:
    """Every event of the exported cases up to the chain head, in chain order."""
    case_ids = exported_cases(criteria).values("pk")
    return audit.AuditEvent.objects.filter(case_id__in=case_ids, seq__lte=head_seq).order_by("seq")


@dataclass(frozen=True)
class Exporter:
    """Who exported, as the manifest and the audit trail name them."""

    user_id: int | None
    username: str
    name: str


@dataclass
class BundleResult:
    manifest: dict[str, Any]
    manifest_sha256: str
    case_count: int
    event_count: int
    attachment_count: int
    head_seq: int
    head_hash: str


class HashingSink:
    """A ZIP member being written: hashes and counts every byte, buffers small writes."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._digest = hashlib.sha256()
        self._pending: list[bytes] = []
        self._pending_size = 0
        self.size = 0

    def write(self, text: str) -> None:
        self.write_bytes(text.encode())

    def write_bytes(self, data: bytes) -> None:
        self._pending.append(data)
        self._pending_size += len(data)
        if self._pending_size >= FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            self._pending_size = 0
            self._digest.update(data)
            self._stream.write(data)
            self.size += len(data)

    def close(self) -> str:
        self.flush()
        self._stream.close()
        return self._digest.hexdigest()


def write_bundle(
    target: IO[bytes],
    *,
    criteria: Criteria,
    exporter: Exporter,
    export_id: int | None,
    masked: bool,
    language: str,
    progress: Progress = lambda done, total: None,
) -> BundleResult:
    """Write the whole bundle into `target` (a binary file opened for writing)."""
    with translation.override(language):
        head_seq, head_hash = audit.current_head()
        exported_at = timezone.now()
        cases = exported_cases(criteria)
        events = exported_events(criteria, head_seq)
        case_total = cases.count()
        event_total = events.count()
        total = case_total + event_total
        files: list[dict[str, Any]] = []
        with zipfile.ZipFile(
            target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1, allowZip64=True
        ) as bundle:

            def member(name: str) -> HashingSink:
                info = zipfile.ZipInfo(name, date_time=_zip_time(exported_at))
                info.compress_type = zipfile.ZIP_DEFLATED
                return HashingSink(bundle.open(info, "w", force_zip64=True))

            def done(name: str, sink: HashingSink) -> None:
                digest = sink.close()
                files.append({"path": name, "sha256": digest, "size": sink.size})

            sink = member(CASES_FILE)
            case_count = write_cases(
                sink,
                cases,
                head_seq=head_seq,
                masked=masked,
                progress=lambda n: progress(n, total),
            )
            done(CASES_FILE, sink)

            sink = member(SEARCHES_FILE)
            search_count = write_searches(sink, cases)
            done(SEARCHES_FILE, sink)

            sink = member(EVENTS_FILE)
            event_count, masked_events, first_seq, last_seq = write_events(
                sink,
                events,
                masked=masked,
                progress=lambda n: progress(case_count + n, total),
            )
            done(EVENTS_FILE, sink)

            attachment_count = 0
            seen = set(RESERVED)
            for path, content in _attachments(cases):
                if path in seen:
                    raise ValueError(f"Two files in one bundle named {path!r}.")
                seen.add(path)
                sink = member(path)
                sink.write_bytes(content)
                done(path, sink)
                attachment_count += 1

            summary = {
                "cases": case_count,
                "searches": search_count,
                "events": event_count,
                "attachments": attachment_count,
                "first_seq": first_seq,
                "last_seq": last_seq,
            }
            # The verifier itself, so an auditor needs nothing of the system to check.
            sink = member(VERIFIER_FILE)
            sink.write_bytes(verify.source())
            done(VERIFIER_FILE, sink)

            sink = member(README_FILE)
            sink.write(
                render_to_string(
                    "exports/bundle_readme.txt",
                    {
                        "counts": summary,
                        "head_seq": head_seq,
                        "head_hash": head_hash,
                        "masked": masked,
                        "masked_events": masked_events,
                        "exporter": exporter,
                        "exported_at": exported_at,
                        "criteria": criteria,
                    },
                )
            )
            done(README_FILE, sink)

            manifest = {
                "format": FORMAT,
                "export_id": export_id,
                "exported_at": _utc(exported_at),
                "exported_by": asdict(exporter),
                "language": language,
                "filters": criteria.to_json(),
                "contact_details_masked": masked,
                "audit_chain": {"head_seq": head_seq, "head_hash": head_hash},
                "counts": {
                    "cases": case_count,
                    "searches": search_count,
                    "events": event_count,
                    "attachments": attachment_count,
                },
                "events": {
                    "first_seq": first_seq,
                    "last_seq": last_seq,
                    "masked_seqs": masked_events,
                    "hash": "sha256(prev_hash + '\\n' + JSON of the fields "
                    + ", ".join(CONTENT_FIELDS)
                    + ", keys sorted, no spaces, UTF-8)",
                },
                "hash_algorithm": "sha256",
                "files": files,
            }
            manifest_bytes = (
                json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
            ).encode()
            bundle.writestr(
                zipfile.ZipInfo(MANIFEST_FILE, date_time=_zip_time(exported_at)),
                manifest_bytes,
                compress_type=zipfile.ZIP_DEFLATED,
            )
    progress(total, total)
    return BundleResult(
        manifest=manifest,
        manifest_sha256=hashlib.sha256(manifest_bytes).hexdigest(),
        case_count=case_count,
        event_count=event_count,
        attachment_count=attachment_count,
        head_seq=head_seq,
        head_hash=head_hash,
    )


def _zip_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    local = timezone.localtime(moment)
    return (local.year, local.month, local.day, local.hour, local.minute, local.second)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _attachments(cases: QuerySet[Case]) -> Iterator[tuple[str, bytes]]:
    if not attachments.providers():
        return
    chunk: list[int] = []
    for case_id in cases.values_list("pk", flat=True).iterator(chunk_size=CHUNK_ROWS):
        chunk.append(case_id)
        if len(chunk) >= 1000:
            yield from attachments.case_files(chunk)
            chunk = []
    if chunk:
        yield from attachments.case_files(chunk)


# --- cases.csv --------------------------------------------------------------------------


def case_columns() -> list[str]:
    """Column headings, in the bundle's language."""
    return [
        _("Reference"),
        _("Case ID"),
        _("State"),
        _("Requests"),
        _("Outcomes"),
        _("Arrival date"),
        _("Postmark date"),
        _("Due date"),
        _("Art. 39 date"),
        _("Reply mailed on"),
        _("Closed at"),
        _("Assigned to"),
        _("Requester"),
        _("Kana"),
        _("Date of birth"),
        _("Postal code"),
        _("Address"),
        _("Telephone"),
        _("E-mail"),
        _("Relationship"),
        _("Who makes the request"),
        _("Agent's name"),
        _("How it came"),
        _("Fee due (yen)"),
        _("Fee received (yen)"),
        _("Events"),
        _("Opened at"),
        # Added last, so that the columns before it keep their places for existing readers.
        _("Came by"),
    ]


def _cases_for_rows(cases: QuerySet[Case], head_seq: int) -> QuerySet[Case]:
    event_count = (
        audit.AuditEvent.objects.filter(case=OuterRef("pk"), seq__lte=head_seq)
        .order_by()
        .values("case")
        .annotate(n=Count("*"))
        .values("n")
    )
    fee_paid = (
        FeePayment.objects.filter(case=OuterRef("pk"))
        .order_by()
        .values("case")
        .annotate(total=Sum("amount_yen"))
        .values("total")
    )
    return (
        cases.select_related("requester", "assignee")
        .prefetch_related(
            Prefetch("items", queryset=RequestItem.objects.only("id", "case_id", "kind", "outcome"))
        )
        .annotate(
            event_total=Coalesce(Subquery(event_count), 0),
            fee_paid_sum=Coalesce(Subquery(fee_paid), 0),
        )
    )


def case_row(case: Case, *, masked: bool, labels: Labels) -> list[Cell]:
    """One case as a row of cases.csv: ids, amounts and counts as numbers, the rest as text."""
    person = case.requester
    items = list(case.items.all())
    assignee = case.assignee
    return [
        case.reference,
        case.pk,
        labels.state(case.state),
        " / ".join(labels.kind(item.kind) for item in items),
        " / ".join(
            f"{labels.kind(item.kind)}: {labels.outcome(item.kind, item.outcome)}" for item in items
        ),
        _iso(case.arrival_date),
        _iso(case.postmark_date),
        _iso(case.due_date),
        _iso(case.art39_date),
        _iso(case.reply_sent_on),
        timezone.localtime(case.closed_at).isoformat(timespec="seconds") if case.closed_at else "",
        person_name(assignee),
        person.name,
        person.name_kana,
        _iso(person.date_of_birth),
        person.postal_code,
        person.address,
        mask_phone(person.phone) if masked else person.phone,
        mask_email(person.email) if masked else person.email,
        labels.relationships(person.relationships),
        labels.agent(case.agent_kind),
        case.agent_name,
        labels.mail(case.mail_type),
        case.fee_due,
        case.fee_paid_sum,  # type: ignore[attr-defined]
        case.event_total,  # type: ignore[attr-defined]
        timezone.localtime(case.created_at).isoformat(timespec="seconds"),
        labels.channel(case.channel),
    ]


class Labels:
    """Choice labels in the active language, looked up once per value (not once per row)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], str] = {}

    def _label(self, choices: Any, value: str) -> str:
        key = (choices.__name__, value)
        if key not in self._cache:
            try:
                self._cache[key] = str(choices(value).label)
            except ValueError:
                self._cache[key] = value
        return self._cache[key]

    def state(self, value: str) -> str:
        return self._label(CaseState, value)

    def kind(self, value: str) -> str:
        return self._label(RequestKind, value)

    def outcome(self, kind: str, value: str) -> str:
        """The outcome in its kind's terms (requests_app/outcomes.py)."""
        key = (f"outcome:{kind}", value)
        if key not in self._cache:
            self._cache[key] = outcome_label(kind, value)
        return self._cache[key]

    def relationship(self, value: str) -> str:
        return self._label(Relationship, value)

    def relationships(self, values: list[str]) -> str:
        """A requester's set of relationships in one cell, in the policy's order."""
        held = set(values or ())
        return "、".join(self.relationship(value) for value in Relationship.values if value in held)

    def agent(self, value: str) -> str:
        return self._label(AgentKind, value)

    def channel(self, value: str) -> str:
        return self._label(Channel, value)

    def mail(self, value: str) -> str:
        return self._label(MailType, value)


def write_cases(
    sink: HashingSink,
    cases: QuerySet[Case],
    *,
    head_seq: int,
    masked: bool,
    progress: Callable[[int], None] = lambda n: None,
) -> int:
    writer = CsvWriter(sink)
    writer.writerow(case_columns())
    labels = Labels()
    count = 0
    for case in _cases_for_rows(cases, head_seq).iterator(chunk_size=2000):
        writer.writerow(case_row(case, masked=masked, labels=labels))
        count += 1
        if count % CHUNK_ROWS == 0:
            progress(count)
    progress(count)
    return count


# --- events.jsonl -----------------------------------------------------------------------


def event_line(row: Iterable[Any], *, masked: bool) -> tuple[str, bool]:
    """One event as a line of events.jsonl, and whether contact details were masked in it.

    The line carries exactly the fields the hash covers (as audit.event_content shapes
    them), the hash of the event before it in the chain and its own hash. When contact
    details are masked, the masked paths are listed under "masked": the hash then covers
    values the line no longer shows, and only the live trail can confirm it.
    """
    (
        seq,
        at,
        actor_id,
        username,
        case_id,
        action,
        from_state,
        to_state,
        reason,
        payload,
        prev,
        own,
    ) = row
    record = audit.event_content(
        seq=seq,
        at=at,
        actor_id=actor_id,
        actor_username=username,
        case_id=case_id,
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        payload=payload,
    )
    record["prev_hash"] = prev
    record["hash"] = own
    hidden = False
    if masked and payload:
        record["payload"], paths = mask_contact_values(payload)
        if paths:
            record["masked"] = [f"payload.{path}" for path in paths]
            hidden = True
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n", hidden


def _event_line_sql() -> str:
    """A PostgreSQL expression that renders an event as its events.jsonl line.

    The same fields in the same order as `event_line`, with "at" formatted exactly as
    audit.event_content does (UTC, microseconds): the database builds the text and Python only
    writes it, which keeps a million events close to the speed of COPY.
    """
    table = f'"{audit.AuditEvent._meta.db_table}"'

    def column(name: str) -> str:
        return f'{table}."{name}"'

    def number(name: str) -> str:
        return f"coalesce({column(name)}::text, 'null')"

    def text(name: str) -> str:
        return f"to_json({column(name)})::text"

    # An ISO date and time never needs escaping in JSON.
    at = (
        f"""'"' || to_char({column("at")} AT TIME ZONE 'UTC', """
        """'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"') || '"'"""
    )
    rendered = {
        "seq": number("seq"),
        "at": at,
        "actor_id": number("actor_id"),
        "actor_username": text("actor_username"),
        "case_id": number("case_id"),
        "action": text("action"),
        "from_state": text("from_state"),
        "to_state": text("to_state"),
        "reason": text("reason"),
        "payload": f"{column('payload')}::text",
        "prev_hash": text("prev_hash"),
        "hash": text("hash"),
    }
    assert tuple(rendered) == EVENT_COLUMNS
    pieces = [
        f"""'{"{" if index == 0 else ","}"{name}":' || {expression}"""
        for index, (name, expression) in enumerate(rendered.items())
    ]
    return " || ".join(pieces) + " || '}'"


def _mask_line(line: str) -> tuple[str, bool]:
    record = json.loads(line)
    record["payload"], paths = mask_contact_values(record["payload"])
    if not paths:
        return line, False
    record["masked"] = [f"payload.{path}" for path in paths]
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")), True


# COPY's CSV format with a delimiter and a quote that JSON text never contains (control
# characters are always escaped in JSON): every row comes out exactly as rendered.
_COPY_OPTIONS = "FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02'"


_SEQ_PREFIX = b'{"seq":'


def _seq_of(line: bytes) -> int:
    return int(line[len(_SEQ_PREFIX) : line.index(b",")])


def _write_events_copy(
    sink: HashingSink,
    events: QuerySet[audit.AuditEvent],
    *,
    masked: bool,
    progress: Callable[[int], None],
) -> tuple[int, list[int], int | None, int | None]:
    """PostgreSQL renders each line and streams them with COPY … TO STDOUT (inside the
    export's snapshot transaction); Python only hashes and writes them, in batches."""
    # The expression is built from constant column names only; no input reaches it.
    rendered = RawSQL(_event_line_sql(), ())  # noqa: S611
    rows = events.annotate(line=rendered).values_list("line")
    sql, params = rows.query.sql_with_params()
    count = 0
    masked_seqs: list[int] = []
    batch: list[bytes] = []
    first: bytes | None = None
    last: bytes | None = None
    with connection.cursor() as cursor:
        statement = f"COPY ({sql}) TO STDOUT WITH ({_COPY_OPTIONS})"
        with cursor.cursor.copy(statement, params) as copy:
            for block in copy:
                line = bytes(block)
                # Only lines that mention a contact detail are parsed to be masked.
                if masked and (b"phone" in line or b"mail" in line):
                    text, hidden = _mask_line(line.decode())
                    if hidden:
                        line = (text + "\n").encode()
                        masked_seqs.append(_seq_of(line))
                batch.append(line)
                if len(batch) == CHUNK_ROWS:
                    first = first or batch[0]
                    last = batch[-1]
                    count += len(batch)
                    sink.write_bytes(b"".join(batch))
                    batch.clear()
                    progress(count)
    if batch:
        first = first or batch[0]
        last = batch[-1]
        count += len(batch)
        sink.write_bytes(b"".join(batch))
    progress(count)
    return (
        count,
        masked_seqs,
        _seq_of(first) if first else None,
        _seq_of(last) if last else None,
    )


def write_events(
    sink: HashingSink,
    events: QuerySet[audit.AuditEvent],
    *,
    masked: bool,
    progress: Callable[[int], None] = lambda n: None,
) -> tuple[int, list[int], int | None, int | None]:
    """Write every event; return how many, the masked ones' seqs, and the first/last seq."""
    if connection.vendor == "postgresql":
        return _write_events_copy(sink, events, masked=masked, progress=progress)
    count = 0
    masked_seqs: list[int] = []
    first = last = None
    for row in events.values_list(*EVENT_COLUMNS).iterator(chunk_size=CHUNK_ROWS):
        line, hidden = event_line(row, masked=masked)
        sink.write(line)
        seq = row[0]
        if hidden:
            masked_seqs.append(seq)
        if first is None:
            first = seq
        last = seq
        count += 1
        if count % CHUNK_ROWS == 0:
            progress(count)
    progress(count)
    return count, masked_seqs, first, last

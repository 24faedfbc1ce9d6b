"""Exports for auditors and managers: verifiable case-history bundles and one-case dossiers.

- `models.Export` — one requested bundle: its filters, progress and the stored ZIP.
- `bundle` — writes the ZIP (cases.csv, events.jsonl, attachments, manifest.json, README.txt)
  row by row from server-side cursors, straight into a file.
- `verify` — checks a bundle offline (file hashes, each event's hash and links) and, when
  asked, against the live audit trail.
- `attachments` — the registry of providers of per-case files (the letter register plugs in).
- `masking` — contact details partly masked for roles with no need for them (auditors).
- `dossier` — the one-case PDF (WeasyPrint).
- `services`, `tasks` — start, build and sweep exports; every export is an audit event.
"""

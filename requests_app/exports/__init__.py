"""Exports for auditors and managers: verifiable case-history bundles and one-case dossiers.

- `models.Export` — one requested bundle: its filters, progress and the stored ZIP.
- `bundle` — writes the ZIP (cases.csv, events.jsonl, attachments, verify.py, README.txt,
  manifest.json) row by row from server-side cursors, straight into a file.
- `verify` — checks a bundle offline (file hashes, each event's hash and links). One file,
  standard library only, shipped in every bundle as verify.py; `manage.py verify_export` and
  the audit trail's own hash (`chain_hash`) use it, so there is one implementation.
- `trail` — checks a bundle against the live audit trail (`verify_export --against-trail`).
- `attachments` — the registry of providers of per-case files (the letter register plugs in).
- `masking` — contact details partly masked for roles with no need for them (auditors).
- `dossier` — the one-case PDF (WeasyPrint).
- `services`, `tasks` — start, build and sweep exports; every export is an audit event.
"""

"""`make drill` (scripts/drill): a backup of a seeded system restores whole.

It runs against whatever the suite runs on: PostgreSQL with pg_dump and pg_restore when
DATABASE_URL is set (as in CI), the SQLite drill otherwise.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_restore_drill_passes() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/drill"],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        assert "backed up with pg_dump, restored with pg_restore" in output
    else:
        assert "SQLite (DATABASE_URL unset)" in output
    assert "database" in output and "holds neither key" in output
    assert "Scans decrypted with IDENTITY_SCAN_KEY, each the type stored: 1." in output
    # Every letter the demo made (how many depends on the demo's random cases) matches.
    letters = re.search(r"Letter files matching the SHA-256 in the register: (\d+)\.", output)
    assert letters is not None and int(letters.group(1)) >= 1, output
    assert "The restore is whole." in output
    assert "with another IDENTITY_SCAN_KEY the scan does not decrypt" in output
    assert "PASSED" in output
    assert not list((ROOT / "var").glob("drill-*")), "the drill's folder is removed"

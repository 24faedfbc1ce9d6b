"""`make bench`: set up the bench database, then print every figure (tests/bench/__init__.py)."""

from __future__ import annotations

import os
import sys

from tests.bench import BenchSetupError, seed, setup


def main() -> None:
    try:
        setup()
    except BenchSetupError as problem:
        sys.exit(f"make bench: {problem}")
    staff = seed(int(os.environ.get("BENCH_CASES", "100000")))
    # The figure modules import Django models, so they load once setup() has run.
    from tests.bench import dashboard, deadlines, exports, identity, letters, pages

    for figures in (pages, identity, deadlines, dashboard, exports, letters):
        figures.run(staff)


if __name__ == "__main__":
    main()

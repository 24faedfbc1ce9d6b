"""`make bench`: set up the bench database, then print every figure (tests/bench/__init__.py)."""

from __future__ import annotations

import os

from tests.bench import seed, setup


def main() -> None:
    setup()
    staff = seed(int(os.environ.get("BENCH_CASES", "100000")))
    # The figure modules import Django models, so they load once setup() has run.
    from tests.bench import dashboard, deadlines, exports, identity, letters, load, pages

    # load_case_page comes last: the access events and approvals it adds to the bench
    # database must not change this run's other figures.
    for figures in (pages, identity, deadlines, dashboard, exports, letters, load):
        figures.run(staff)


if __name__ == "__main__":
    main()

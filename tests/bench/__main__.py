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
    from tests.bench import (
        dashboard,
        datamap,
        daywork,
        deadlines,
        exports,
        identity,
        letters,
        load,
        pages,
    )

    # BENCH_ONLY=pages,daywork runs only those modules' figures. load_case_page comes last:
    # the access events and approvals it adds to the bench database must not change this
    # run's other figures.
    only = {name for name in os.environ.get("BENCH_ONLY", "").split(",") if name}
    for figures in (
        pages,
        daywork,
        identity,
        deadlines,
        dashboard,
        exports,
        letters,
        datamap,
        load,
    ):
        if not only or figures.__name__.rpartition(".")[2] in only:
            figures.run(staff)


if __name__ == "__main__":
    main()

"""`python -m benchmarks [--quick] [--out DIR]` from a checkout with the dev extra (`make bench`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks import run_bench


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks, write the page and plot, print the page."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmarks against baselines in one run; writes benchmarks.md and benchmarks.png. Run from the project folder with the dev extra installed. Example: python -m benchmarks --quick --out /tmp/bench",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, as CI runs it")
    parser.add_argument(
        "--out", type=Path, default=Path("docs"), help="folder for the page and plot (default docs)"
    )
    args = parser.parse_args(argv)
    sys.stdout.write(run_bench(args.quick, args.out, log=lambda text: print(text, file=sys.stderr)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

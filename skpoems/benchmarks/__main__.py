"""Command-line entry point: ``python -m skpoems.benchmarks <benchmark> [options]``."""

from __future__ import annotations

import importlib
import sys

from skpoems.benchmarks import BENCHMARKS


def _usage() -> str:
    lines = ["usage: python -m skpoems.benchmarks <benchmark> [options]", "",
             "benchmarks:"]
    for name, module in BENCHMARKS.items():
        description = getattr(importlib.import_module(module), "DESCRIPTION", "")
        lines.append(f"  {name:12s} {description}")
    lines.append("")
    lines.append("Run 'python -m skpoems.benchmarks <benchmark> --help' for its "
                 "options.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Dispatch to the benchmark named by the first argument."""
    args = sys.argv[1:] if argv is None else list(argv)
    if not args or args[0] in {"-h", "--help"}:
        print(_usage())
        return 0 if args else 2
    name, rest = args[0], args[1:]
    if name not in BENCHMARKS:
        print(f"unknown benchmark {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(BENCHMARKS[name])
    return int(module.main(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())

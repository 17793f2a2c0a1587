"""``main``: the command line parsed and its subcommand run, with warnings as
one line each, SIGTERM handled as Ctrl-C, and errors as messages and exit
statuses rather than tracebacks."""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import shutil
import signal
import sys
import threading
import warnings
from collections.abc import Sequence
from typing import Any

from ._cpu import _pool_limits, auto_threads
from ._errors import _DataError, _in_cli_terms, _UsageError
from ._parser import build_parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``skpoems`` console script and ``python -m skpoems``.

    Parameters
    ----------
    argv : sequence of str, default=None
        The arguments (default: ``sys.argv[1:]``). No command means ``run``.

    Returns
    -------
    int
        The exit status: 0 on success, 1 when the work failed, 2 for usage
        errors (unknown model or data set, unreadable data folder, ...).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    commands = {"run", "benchmark", "sweep", "discover", "embed", "gdc"}
    if not argv or (
        argv[0].startswith("-") and argv[0] not in {"-h", "--help", "--version"}
    ):
        later = [a for a in argv if a in commands]
        if later and argv[argv.index(later[0]) - 1] != "--out":
            # (skpoems -q run ...: argparse said "unrecognized arguments: run")
            command = later[0]
            rest = [a for i, a in enumerate(argv) if i != argv.index(command)]
            parser.error(
                f"options go after the command: skpoems {command} {' '.join(shlex.quote(a) for a in rest)}"
            )
        argv = ["run", *argv]
    args = parser.parse_args(argv)
    if args.command not in commands:  # pragma: no cover - argparse rejects it first
        parser.print_help()
        return 2
    args.argv = argv
    subparser = parser._subparsers._group_actions[0].choices[args.command]
    shown: set[str] = set()

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        _show_warning(message, category, filename, lineno, file, line, shown=shown)

    with warnings.catch_warnings():
        warnings.showwarning = show
        return _dispatch(args, subparser)


def _show_warning(message, category, filename, lineno, file=None, line=None, *, shown: set[str] | None = None) -> None:
    """Warnings as one line each, without the source line, remedies as options;
    a text ``shown`` already is not repeated (a benchmark's every model and
    split drew the same warning)."""
    text = f"skpoems: {category.__name__}: {_in_cli_terms(str(message))}"
    if shown is not None:
        if text in shown:
            return
        shown.add(text)
    print(text, file=file or sys.stderr, flush=True)


class _Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, a batch scheduler's time limit): handled as Ctrl-C,
    so that a fit keeps its best weights and a sweep or benchmark its rows."""


def _raise_terminated(signum: int, frame: Any) -> None:
    raise _Terminated("SIGTERM")


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """SIGTERM raises :class:`_Terminated` in the main thread while the command
    runs (Python's default ends the process at once, without a word)."""
    if (
        threading.current_thread() is not threading.main_thread()
        or sys.platform == "win32"  # (SIGTERM there is TerminateProcess, never delivered)
        or signal.getsignal(signal.SIGTERM) is signal.SIG_IGN  # ignored by whoever started us
    ):
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:  # (None: a handler installed from C, which Python cannot restore)
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


def _remove_empty(folders: Sequence[Any]) -> None:
    """Remove the folders a refused command created, deepest first, while empty."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:  # (not empty, or gone)
            break


def _dispatch(args: argparse.Namespace, subparser: argparse.ArgumentParser) -> int:
    import torch

    from ._outputs import CREATED, STAGED, WRITING_INTO

    WRITING_INTO.clear()  # (of an earlier command in this process)
    CREATED.clear()
    STAGED.clear()

    previous_threads = torch.get_num_threads()
    limits = None
    if args.command != "sweep" and getattr(args, "threads", None):
        threads = auto_threads() if args.threads == "auto" else args.threads
        torch.set_num_threads(threads)
        # and scikit-learn's OpenMP / BLAS pools (k-means, t-SNE of the figures):
        # left alone, they start one thread per core on a machine that is busy
        limits = threads
    try:
        with _pool_limits(limits), _sigterm_as_interrupt():
            return int(args.handler(args))
    except _DataError as exc:  # the message alone: the usage block would bury it
        _remove_empty(CREATED)
        print(f"{subparser.prog}: error: {exc}", file=sys.stderr)
        return 2
    except _UsageError as exc:
        _remove_empty(CREATED)
        subparser.error(str(exc))  # exits with status 2
    except KeyboardInterrupt as interrupt:
        terminated = isinstance(interrupt, _Terminated)
        what = {
            "benchmark": "The fits that finished, if any, are in benchmark_runs.partial.csv; "
            "the tables are written once all have finished.",
            "sweep": "The fits that finished, if any, are in sweep_results.partial.csv; "
            "sweep_results.csv and sweep.json are written once all have finished."
            if getattr(args, "sweep_stage", None) != "refit"
            else "Every configuration finished: sweep_results.csv is complete. The refit of the "
            "selected one was interrupted, so sweep.json and best/ are not written (rerun to "
            "get them).",
        }.get(
            args.command,
            "Outputs are written once training is done, metrics.json last: a folder without "
            "metrics.json holds no complete run (run and discover compute theirs in a staging "
            "folder and leave an earlier run's folder as it was until all are written).",
        )
        if WRITING_INTO and args.command in ("run", "discover", "embed"):
            what = (
                f"It stopped while moving the outputs into {WRITING_INTO[-1]}: the files of an "
                "earlier command there were removed first, and this one's are incomplete"
                + (" (no metrics.json)" if args.command != "embed" else "")
                + "; rerun it."
            )
        print(f"skpoems: {'terminated (SIGTERM)' if terminated else 'interrupted'}. {what}", file=sys.stderr)
        return 128 + signal.SIGTERM if terminated else 130
    except Exception as exc:  # noqa: BLE001 - a clean message, not a traceback
        if os.environ.get("SKPOEMS_TRACEBACK"):
            raise
        print(
            f"skpoems {args.command}: error: {type(exc).__name__}: {exc}\n"
            "(set SKPOEMS_TRACEBACK=1 to see the traceback)",
            file=sys.stderr,
        )
        return 1
    finally:
        torch.set_num_threads(previous_threads)
        for stage in STAGED:  # (outputs of a command that stopped before publishing them)
            shutil.rmtree(stage, ignore_errors=True)
    return 0  # pragma: no cover

"""Benchmark of the POEMS sparse decoder: chunked (ours) against naive (authors').

Run as ``python -m skpoems.benchmarks decoder`` or ``python -m
skpoems.benchmarks.decoder``. In one run it prints

* the machine's float32 matmul throughput (a 2048 x 2048 matmul, best of repeats);
* for each configuration (D features, batch B, latent K; hidden H = 100) and each
  method, the forward + backward time (min over repeats, training mode with dropout),
  the achieved GFLOP/s counting ``6 * B * D * K * H`` useful FLOPs, its percentage
  of the matmul throughput, and the peak extra memory;
* the speed-up and the memory ratio of ours over naive.

Every (configuration, method) pair runs in a fresh subprocess, whose peak resident
set size (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) minus its resident set
size just before the first decoder call is the "peak extra memory": an honest peak
on CPU, including allocator overheads. A naive run whose estimated peak exceeds the
available memory is skipped and reported as such instead of crashing the machine.

Run it on an otherwise idle machine: the chunked decoder issues many short
multi-threaded torch operations, and when other processes compete for the cores
every parallel region can stall for a scheduler time slice, so its timings degrade
far more than those of the few large operations of the naive form.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

from skpoems.benchmarks import positive_int

DESCRIPTION = ("sparse decoder: chunked vs naive forward+backward time, GFLOP/s "
               "and peak memory")

#: Default configurations (D, B, K): a BRCA-sized omic and a 58,316-feature omic.
DEFAULT_CONFIGS: tuple[tuple[int, int, int], ...] = (
    (1000, 512, 32),
    (58316, 32, 32),
    (58316, 512, 32),
)
HIDDEN = 100
METHODS = ("naive", "ours")

# Naive peak ~ this many (D, B, H) float32 tensors (measured 4.3-4.4 on CPU with
# dropout; rounded up so that the skip decision errs on the safe side).
_NAIVE_TENSORS = 7.0


def naive_decode(
    z: torch.Tensor,
    mask: torch.Tensor,
    hidden_weight: torch.Tensor,
    out_weight: torch.Tensor,
    out_bias: torch.Tensor,
    *,
    dropout: float,
    training: bool,
) -> torch.Tensor:
    """Evaluate the authors' vectorised decoder with ``nn.functional.dropout``."""
    n_features, hidden = out_weight.shape
    batch, latent = z.shape
    masked = z[None, :, :] * mask[:, None, :]  # (D, B, K)
    act = torch.relu(masked.reshape(n_features * batch, latent) @ hidden_weight.t())
    act = torch.nn.functional.dropout(act, dropout, training)
    act = act.reshape(n_features, batch, hidden)
    return torch.einsum("dbh,dh->bd", act, out_weight) + out_bias


def matmul_gflops(size: int = 2048, repeats: int = 10) -> float:
    """Float32 GFLOP/s of a ``size x size`` matmul (best of ``repeats``)."""
    a = torch.randn(size, size)
    b = torch.randn(size, size)
    torch.mm(a, b)
    best = min(_timed(lambda: torch.mm(a, b)) for _ in range(max(repeats, 1)))
    return 2.0 * size**3 / best / 1e9


def _timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _current_rss() -> int | None:
    """Resident set size now (bytes), from /proc (Linux only)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _peak_rss() -> int:
    """Peak resident set size of this process so far (bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def _available_memory() -> int | None:
    """MemAvailable from /proc/meminfo (bytes), or None when unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


def _worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Time one method on one configuration; runs inside a fresh subprocess."""
    from skpoems._sparse_decoder import sparse_decode

    if spec.get("threads"):
        torch.set_num_threads(int(spec["threads"]))
    n_features, batch, latent = spec["n_features"], spec["batch"], spec["latent"]
    hidden, dropout = spec["hidden"], spec["dropout"]
    def make_inputs(n_features: int, batch: int) -> list[torch.Tensor]:
        gen = torch.Generator().manual_seed(0)
        tensors = (
            torch.randn(batch, latent, generator=gen),
            torch.randn(n_features, latent, generator=gen),
            torch.randn(hidden, latent, generator=gen) / latent**0.5,
            torch.randn(n_features, hidden, generator=gen) / hidden**0.5,
            torch.randn(n_features, generator=gen),
            torch.randn(batch, n_features, generator=gen),
        )
        return [t.requires_grad_(i < 5) for i, t in enumerate(tensors)]

    def step(tensors: list[torch.Tensor]) -> None:
        inputs, grad_out = tensors[:5], tensors[5]
        for t in inputs:
            t.grad = None
        if spec["method"] == "naive":
            out = naive_decode(*inputs, dropout=dropout, training=True)
        else:
            out = sparse_decode(*inputs, dropout=dropout, training=True)
        out.backward(grad_out)

    # Small calls first, so that lazily loaded libraries, thread pools, BLAS buffers
    # and the autograd engine are not counted as the decoder's memory.
    step(make_inputs(3, 2))
    warm = torch.randn(512, 512)
    torch.mm(warm, warm).mul_(2.0)
    del warm
    tensors = make_inputs(n_features, batch)
    rss_before = _current_rss()
    peak_before = _peak_rss()
    times = [_timed(lambda: step(tensors)) for _ in range(spec["repeats"] + 1)][1:]
    peak = _peak_rss()
    base = rss_before if rss_before is not None else peak_before
    return {"times": times, "peak_extra_bytes": max(peak - base, 0),
            "peak_rss_bytes": peak, "threads": torch.get_num_threads()}


def _run_worker(spec: dict[str, Any], timeout: float | None) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "skpoems.benchmarks.decoder", "--worker",
           json.dumps(spec)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if proc.returncode != 0:
        hint = " (killed: probably out of memory)" if proc.returncode in (-9, 137) \
            else ""
        tail = proc.stderr.strip().splitlines()[-1:] if proc.stderr else []
        return {"error": f"worker exit code {proc.returncode}{hint}"
                         + (f": {tail[0]}" if tail else "")}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _naive_estimate(n_features: int, batch: int, latent: int, hidden: int) -> float:
    return 4.0 * n_features * batch * (_NAIVE_TENSORS * hidden + 2 * latent)


def _fmt_bytes(n: float | None) -> str:
    return "-" if n is None else f"{n / 2**20:,.0f} MiB"


def _memory_ratio(ratio: float) -> str:
    """Ours' peak extra memory against naive's: ``1/7`` for a seventh; below a
    ratio of 2 the multiple itself (``0.75x``, ``2.50x`` when ours needs more)."""
    return f"1/{ratio:.0f}" if ratio >= 2 else f"{1 / max(ratio, 1e-12):.2f}x"


def _parse_configs(text: str) -> list[tuple[int, int, int]]:
    configs = []
    for item in text.split(";"):
        if item.strip():
            try:
                d, b, k = (positive_int(v) for v in item.split(","))
            except (ValueError, argparse.ArgumentTypeError):
                raise argparse.ArgumentTypeError(
                    f"expected 'D,B,K' of integers >= 1 (features, batch, latent), got {item!r}"
                ) from None
            configs.append((d, b, k))
    return configs


def run(
    configs: Sequence[tuple[int, int, int]] = DEFAULT_CONFIGS,
    *,
    repeats: int = 5,
    dropout: float = 0.2,
    hidden: int = HIDDEN,
    threads: int | None = None,
    timeout: float | None = 3600.0,
    out: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run the benchmark, print its table through ``out`` and return the results."""
    if threads:
        torch.set_num_threads(threads)
    peak_gflops = matmul_gflops(repeats=max(repeats, 10))
    header = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "machine": platform.processor() or platform.machine(),
        "matmul_gflops": peak_gflops,
        "dropout": dropout,
        "hidden": hidden,
        "repeats": repeats,
    }
    out(f"torch {header['torch']}, {header['threads']} threads, "
        f"{header['machine']}; training mode, dropout p={dropout}, H={hidden}, "
        f"min over {repeats} repeats")
    out(f"float32 matmul (2048 x 2048): {peak_gflops:.1f} GFLOP/s")
    rows: list[dict[str, Any]] = []
    available = _available_memory()
    for n_features, batch, latent in configs:
        flops = 6.0 * batch * n_features * latent * hidden
        per_method: dict[str, dict[str, Any]] = {}
        for method in METHODS:
            spec = {"method": method, "n_features": n_features, "batch": batch,
                    "latent": latent, "hidden": hidden, "dropout": dropout,
                    "repeats": repeats, "threads": threads}
            estimate = _naive_estimate(n_features, batch, latent, hidden)
            if method == "naive" and available is not None \
                    and estimate > 0.8 * available:
                result: dict[str, Any] = {
                    "skipped": f"needs ~{estimate / 2**30:.1f} GiB, "
                               f"{available / 2**30:.1f} GiB available"}
            else:
                result = _run_worker(spec, timeout)
            if "times" in result:
                best = min(result["times"])
                result["seconds"] = best
                result["gflops"] = flops / best / 1e9
                result["percent_of_matmul"] = 100.0 * result["gflops"] / peak_gflops
            per_method[method] = result
        naive, ours = per_method["naive"], per_method["ours"]
        if "seconds" in naive and "seconds" in ours:
            ours["speedup"] = naive["seconds"] / ours["seconds"]
            ours["memory_ratio"] = naive["peak_extra_bytes"] / max(
                ours["peak_extra_bytes"], 1)
        for method in METHODS:
            rows.append({"n_features": n_features, "batch": batch, "latent": latent,
                         "method": method, **per_method[method]})
    _print_table(rows, out)
    return {"header": header, "rows": rows}


def _print_table(rows: list[dict[str, Any]], out: Callable[[str], None]) -> None:
    columns = ["D", "B", "K", "method", "fwd+bwd s", "GFLOP/s", "% matmul",
               "peak extra", "speed-up", "mem ratio"]
    lines: list[tuple[list[str], str]] = []
    for row in rows:
        cells = [str(row["n_features"]), str(row["batch"]), str(row["latent"]),
                 row["method"]]
        note = ""
        if "seconds" in row:
            cells += [f"{row['seconds']:.4f}", f"{row['gflops']:.1f}",
                      f"{row['percent_of_matmul']:.1f}%",
                      _fmt_bytes(row["peak_extra_bytes"]),
                      f"{row['speedup']:.2f}x" if "speedup" in row else "",
                      _memory_ratio(row["memory_ratio"]) if "memory_ratio" in row
                      else ""]
        elif "skipped" in row:
            note = f"skipped: {row['skipped']}"
        else:
            note = f"failed: {row.get('error', '')}"
        lines.append((cells, note))
    widths = [max([len(c)] + [len(cells[i]) for cells, _ in lines if i < len(cells)])
              for i, c in enumerate(columns)]
    out("  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True)))
    for cells, note in lines:
        text = "  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=False))
        out(f"{text}  {note}" if note else text)
    out("speed-up = naive time / ours; mem ratio = ours' peak extra memory as a "
        "fraction of naive's")


def main(argv: list[str] | None = None) -> int:
    """Command-line interface (see ``--help``)."""
    parser = argparse.ArgumentParser(
        prog="python -m skpoems.benchmarks decoder", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=positive_int, default=5,
                        help="timed forward+backward repeats per run (default 5)")
    parser.add_argument("--out-dir", type=Path, default=None,
                        help="also write decoder.json and decoder.txt there")
    parser.add_argument("--dropout", type=float, default=0.2,
                        help="dropout probability (training mode; default 0.2)")
    parser.add_argument("--hidden", type=positive_int, default=HIDDEN,
                        help="hidden size H (default 100)")
    parser.add_argument("--threads", type=positive_int, default=None,
                        help="torch threads (default: torch's default)")
    parser.add_argument("--configs", type=_parse_configs, default=None,
                        help="'D,B,K;D,B,K;...' (default "
                             "'1000,512,32;58316,32,32;58316,512,32')")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker is not None:
        print(json.dumps(_worker(json.loads(args.worker))))
        return 0
    lines: list[str] = []

    def out(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    results = run(args.configs or DEFAULT_CONFIGS, repeats=args.repeats,
                  dropout=args.dropout, hidden=args.hidden, threads=args.threads,
                  out=out)
    if args.out_dir is not None:
        args.out_dir.mkdir(parents=True, exist_ok=True)
        (args.out_dir / "decoder.json").write_text(json.dumps(results, indent=2))
        (args.out_dir / "decoder.txt").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

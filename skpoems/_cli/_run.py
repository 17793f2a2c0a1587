"""``skpoems run``: one model under the paper's evaluation protocol, end to end,
with its embeddings, gating weights, W matrices, metrics, history and figures."""

from __future__ import annotations

import argparse
import time

from .. import _experiment as exp
from ._cpu import _torch_threads
from ._data import _load, _split, _split_info
from ._estimator import _estimator_params, _fit_quietly
from ._outputs import _data_folder, _out_dir, _safe_name, _write_record, write_run_outputs
from ._summary import _STOP_REASONS, _describe_data, _fmt_metrics


def _cmd_run(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    bunch = _load(args)
    out = _out_dir(args, f"{_safe_name(bunch.name)}_{args.model}")
    est = exp.make_estimator(
        args.model, drop_none=False, **_estimator_params(args, verbose=0 if args.quiet else 1, model=args.model)
    )
    split = _split(args, bunch)
    name = exp.DISPLAY_NAMES[args.model]
    if not args.quiet:
        print(
            f"skpoems run: {name} on {bunch.name}: {_describe_data(bunch, split)}",
            flush=True,
        )
    result = _fit_quietly(lambda: exp.run_protocol(est, None, None, split=split))
    fitted = result.estimator
    t_fit = time.perf_counter()
    record = write_run_outputs(
        result,
        bunch,
        args.model,
        out,
        extra={
            "command": ["skpoems", *args.argv],
            **_data_folder(args),
            "split": _split_info(args, bunch),
        },
        figures=not args.no_figures,
        figure_formats=args.figure_format,
        figure_dpi=args.figure_dpi,
        variance_permutations=args.variance_permutations,
    )
    wall = time.perf_counter() - t0
    record["timings"]["wall_s"] = wall
    record["timings"]["outputs_s"] = time.perf_counter() - t_fit
    _write_record(out, record)

    tr = record["training"]
    lines = [
        f"{name} on {bunch.name}: {_describe_data(bunch, split, fitted)}",
        f"trained {tr.get('n_iter', '?')} epochs (best {tr.get('best_iter', '?')}"
        f"{', ' + _STOP_REASONS.get(tr['stop_reason'], tr['stop_reason']) if tr.get('stop_reason') else ''}) "
        f"in {result.timings['fit_s']:.1f} s on {tr.get('device', '?')} "
        f"({_torch_threads()} torch thread{'s' if _torch_threads() > 1 else ''})",
    ]
    if tr.get("init_losses"):
        losses = tr["init_losses"]
        lines.append(
            f"  kept init {tr['kept_init']} of {len(losses)}, the lowest held-out loss "
            f"({', '.join(f'{v:.4g}' for v in losses)}); the epochs are the kept init's"
        )
    if tr.get("n_iter") == args.max_iter:
        lines.append(
            f"  stopped by the epoch budget --max-iter {args.max_iter}, not by early "
            "stopping (the paper trains up to 5000 epochs)"
        )
    lines += [
        f"test embedding {result.embedding.shape[0]} x {result.embedding.shape[1]}: "
        f"{_fmt_metrics(result.metrics)}",
    ]
    if "reconstruction_r2" in record:
        r2 = ", ".join(f"{omic} {v:.2f}" for omic, v in record["reconstruction_r2"].items())
        lines.append(f"test reconstruction R^2 per omic: {r2}")
    if "factors_in_use" in record and record["factors_in_use"]["n"] < record["factors_in_use"]["of"]:
        used = record["factors_in_use"]
        lines.append(
            f"factors in use: {used['n']} of {used['of']} (the others hardly vary over the samples: "
            "their columns of W decode a constant; metrics.json 'factors_in_use')"
        )
    if "top_features" in record:
        lines.append("top features per omic (decoder gradients at the training samples; top_features.csv):")
        lines += [
            f"  {omic}: {', '.join(features[:5])}" for omic, features in record["top_features"].items()
        ]
    lines += [
        f"wrote {len(record['files'])} files to {out}/ "
        f"({', '.join(f for f in record['files'] if '/' not in f)}"
        + "".join(
            f", figures/*.{fmt}"
            for fmt in dict.fromkeys(f.rsplit(".", 1)[-1] for f in record["files"] if f.startswith("figures/"))
        )
        + ")",
    ]
    if record["figures_skipped"]:
        lines.append(f"  figures skipped: {', '.join(record['figures_skipped'])}")
    if record.get("figures_not_applicable"):
        reasons = {}
        for name, why in record["figures_not_applicable"].items():
            reasons.setdefault(why, []).append(name)
        lines.append("  no " + "; no ".join(f"{', '.join(names)} ({why})" for why, names in reasons.items()))
    lines.append(f"total time {wall:.1f} s")
    print("\n".join(lines), flush=True)
    return 0

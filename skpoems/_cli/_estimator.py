"""The estimator of a command from its options (``--paper-config``, ``--set``
and the model options), checked before any data is split or fitted."""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Callable
from typing import Any

from .. import _experiment as exp
from ._errors import _in_cli_terms, _UsageError
from ._options import _option_defaults


def _estimator_params(
    args: argparse.Namespace, *, verbose: int = 0, model: str | None = None, strict: bool = True
) -> dict[str, Any]:
    """Estimator parameters from the options; ``--set`` ones for ``model`` (those it
    lacks raise a usage error when ``strict``, else are skipped).

    Options left at None were not given and are dropped (the estimator's default
    applies); a None from ``--paper-config`` or ``--set NAME=null`` is a value
    (e.g. ``convergence_tol=None``: no convergence test) and is kept, so pass the
    result to :func:`~skpoems._experiment.make_estimator` with
    ``drop_none=False``."""
    params = {
        "max_iter": args.max_iter,
        "n_components": args.n_components,
        "n_iter_no_change": args.n_iter_no_change,
        "random_state": args.random_state,
        "device": args.device,
        "verbose": verbose,
    }
    for name in ("batch_size", "learning_rate", "weight_decay"):
        if hasattr(args, name):
            params[name] = getattr(args, name)
    params = {k: v for k, v in params.items() if v is not None}
    if getattr(args, "paper_config", False) and model in exp.MODELS:
        from .. import PAPER_CONFIG

        params = {**PAPER_CONFIG.get(exp.MODELS[model].__name__, {}), **params}
    if model in exp.MODELS:
        accepted = exp.MODELS[model]().get_params()
        given = {k for k, v in vars(args).items() if k in accepted and v != _option_defaults(args).get(k)}
        names = [name for name, _ in getattr(args, "params", None) or []]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise _UsageError(f"--set {twice[0]}=... is given more than once: give each parameter once")
        swept = {"batch_size": "--batch-sizes", "learning_rate": "--learning-rates", "weight_decay": "--weight-decays"}
        for name, value in getattr(args, "params", []):
            if getattr(args, "command", None) == "sweep" and name in swept:
                raise _UsageError(
                    f"--set {name}=... in a sweep: the grid sets {name} (the option "
                    f"{swept[name]}), so it would be ignored; give the values with {swept[name]}"
                )
            if name in given and name != "verbose":
                raise _UsageError(
                    f"--set {name}=... and --{name.replace('_', '-')} both set {name}: give one of them"
                )
            if name in accepted:
                params[name] = value
            elif strict:
                raise _UsageError(
                    f"--set {name}: {exp.DISPLAY_NAMES[model]} has no parameter {name!r}; "
                    f"its parameters: {', '.join(sorted(accepted))}"
                )
        _check_parameters(model, params)
    elif model == "pca":  # the baseline's size follows the models' (as --n-components)
        for name, value in getattr(args, "params", None) or []:
            if name == "n_components":
                params[name] = value
    return params


def _check_parameters(model: str, params: dict[str, Any]) -> None:
    """Bad values (``--set beta=-1``, ``--device cuda`` without a GPU) are usage
    errors before any data is split or fitted."""
    from sklearn.utils._param_validation import InvalidParameterError

    from ..utils._torch import resolve_device

    try:
        estimator = exp.MODELS[model](**params)
        estimator._validate_params()
        estimator._check_layer_sizes()  # (what scikit-learn's constraints cannot say)
        if estimator.get_params().get("device") is not None:
            resolve_device(estimator.device)
    except (InvalidParameterError, ValueError, RuntimeError) as exc:
        raise _UsageError(_in_cli_terms(str(exc))) from None


def _fit_quietly(fn: Callable[[], Any]) -> Any:
    """Run ``fn`` without ConvergenceWarnings (the epoch budget may end training)."""
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fn()

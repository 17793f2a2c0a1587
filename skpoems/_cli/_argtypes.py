"""The value types of the options: each turns an option's text into its value,
or raises :class:`argparse.ArgumentTypeError`, which argparse reports with the
option's name."""

from __future__ import annotations

import argparse
import json
import math
import re
from collections.abc import Callable
from typing import Any

from .. import _experiment as exp


def _param_assignment(text: str) -> tuple[str, Any]:
    """``NAME=VALUE`` of ``--set``: the value is read as JSON when it parses
    (numbers, true/false/null, lists), else kept as a string."""
    name, sep, value = text.partition("=")
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    try:
        return name, json.loads(value)
    except json.JSONDecodeError:
        pass
    python = {"None": "null", "True": "true", "False": "false"}
    if value in python or value.startswith("("):
        spelled = python.get(value) or re.sub(r",\s*\]", "]", value.replace("(", "[").replace(")", "]"))
        raise argparse.ArgumentTypeError(
            f"{text!r}: values are JSON, not Python: write {name}={spelled}"
        )
    return name, value


def _cluster_count(text: str) -> int | str:
    """``--n-clusters``: "auto" or an integer of at least 2."""
    if text == "auto":
        return text
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 2:
        raise argparse.ArgumentTypeError(f"expected 'auto' or an integer >= 2, got {text!r}")
    return value


def _int_at_least(low: int, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < low:
        raise argparse.ArgumentTypeError(f"expected an integer >= {low}, got {value}")
    return value


def _seed(text: str) -> int:
    """A seed as scikit-learn takes it: an integer from 0 to 2**32 - 1."""
    value = _int_at_least(0, text)
    if value > 2**32 - 1:
        raise argparse.ArgumentTypeError(f"expected an integer from 0 to 4294967295, got {value}")
    return value


def _positive_int(text: str) -> int:
    return _int_at_least(1, text)


def _non_negative_int(text: str) -> int:
    return _int_at_least(0, text)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return value


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value >= 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text}")
    return value


def _test_size(text: str) -> float | int:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if 0 < value < 1:
        return value
    if value >= 2 and value.is_integer():
        return int(value)
    raise argparse.ArgumentTypeError(
        f"expected a fraction in (0, 1) or a number of test samples (at least 2), got {text}"
    )


def _n_jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value == 0:
        raise argparse.ArgumentTypeError("expected a non-zero integer (-1: all cores)")
    return value


def _threads(text: str) -> int | str:
    return "auto" if text == "auto" else _positive_int(text)


FIGURE_FORMATS = ("png", "pdf", "svg")


def _figure_formats(text: str) -> list[str]:
    formats = [t.strip().lower().lstrip(".") for t in text.split(",") if t.strip()]
    unknown = [f for f in formats if f not in FIGURE_FORMATS]
    if not formats or unknown:
        raise argparse.ArgumentTypeError(
            f"expected a comma-separated list of {', '.join(FIGURE_FORMATS)}; got {text!r}"
        )
    return list(dict.fromkeys(formats))


def _list_of(convert: Callable[[str], Any], what: str) -> Callable[[str], list]:
    def parse(text: str) -> list:
        items = [t.strip() for t in text.split(",") if t.strip()]
        if not items:
            raise argparse.ArgumentTypeError(
                f"expected a comma-separated list of {what}"
            )
        return [convert(t) for t in items]

    parse.__name__ = f"list of {what}"
    return parse


def _model_name(text: str) -> str:
    """A model's command-line name from any spelling of it: ``mocss_sparse_vae``
    (the benchmark scripts' names), ``MOCSS-SparseVAE`` (the paper's) and
    ``mocss-sparsevae`` are one model; an unknown name is returned as given,
    lower case, for argparse's ``choices`` to refuse."""
    key = text.strip().lower()
    squeezed = key.replace("-", "").replace("_", "")
    for name in [*exp.MODELS, *exp.BASELINES]:
        if name.replace("-", "") == squeezed:
            return name
    return key


def _model_list(text: str) -> list[str]:
    names = [_model_name(t) for t in text.split(",") if t.strip()]
    if not names:
        raise argparse.ArgumentTypeError("expected 'all' or a comma-separated list")
    if names == ["all"]:
        return list(exp.MODELS)
    if "all" in names:
        raise argparse.ArgumentTypeError("'all' stands alone (all five models); list models by name to add others")
    known = [*exp.MODELS, *exp.BASELINES]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown model(s) {', '.join(unknown)}; "
            f"choose 'all' or from {', '.join(known)}"
        )
    return list(dict.fromkeys(names))


def _top_variance(text: str) -> float | int:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value == 1 and "." not in text:
        raise argparse.ArgumentTypeError(
            "1 is ambiguous: give 1.0 to keep every feature, or a number of features per omic (2 or more)"
        )
    if value.is_integer() and value >= 2 and "." not in text:
        return int(value)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(
            f"{text}: give a fraction in (0, 1] or a whole number of features"
        )
    return value


def _omic_names(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"{text!r}: give omic names separated by commas (mrna,mirna)")
    if len(set(names)) < len(names):
        raise argparse.ArgumentTypeError(f"{text!r} names an omic twice")
    return names


def _sample_types(text: str) -> str | list[str]:
    """``--sample-types``: all, tumor, normal, or two-digit codes separated by commas."""
    if text.lower() in ("all", "tumor", "tumour", "normal"):
        return {"tumour": "tumor"}.get(text.lower(), text.lower())
    codes = [code.strip() for code in text.split(",")]
    if not all(re.fullmatch(r"\d{1,2}", code) for code in codes):
        raise argparse.ArgumentTypeError(
            f"expected all, tumor, normal or two-digit sample type codes (01,06), got {text!r}"
        )
    return [code.zfill(2) for code in codes]

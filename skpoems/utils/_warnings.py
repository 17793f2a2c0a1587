"""Warnings that point at the user's line."""

from __future__ import annotations

import os
import sys

import sklearn

_INTERNAL = tuple(
    os.path.dirname(os.path.abspath(module.__file__)) + os.sep
    for module in (sys.modules[__name__.split(".")[0]], sklearn)
)


def user_stacklevel() -> int:
    """The ``stacklevel`` for a ``warnings.warn`` call in the calling function
    that attributes the warning to the first frame outside skpoems and
    scikit-learn: the user's ``fit(X)``, not ``sklearn/base.py`` (scikit-learn's
    ``_fit_context`` and parameter validation wrap public methods in frames of
    their own, so a fixed count is wrong at some call sites)."""
    try:
        frame = sys._getframe(1)
        level = 1
        while frame is not None and _is_internal(frame.f_code.co_filename):
            frame = frame.f_back
            level += 1
        return level
    except Exception:  # a warning must never fail the call that issues it
        return 2


def _is_internal(filename: str) -> bool:
    if filename.startswith("<"):  # <stdin>, <string>, <frozen runpy>, a notebook cell
        return False
    try:
        return os.path.abspath(filename).startswith(_INTERNAL)
    except OSError:  # os.getcwd() of a deleted working directory
        return False

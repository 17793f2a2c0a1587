"""``python -m skpoems``: the ``skpoems`` command (see :mod:`skpoems._cli`)."""

from ._cli import main

if __name__ == "__main__":
    raise SystemExit(main())

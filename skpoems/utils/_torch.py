"""Small torch helpers: device resolution and seeding."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch


def resolve_device(device: str | torch.device) -> torch.device:
    """Turn the estimators' ``device`` parameter into a :class:`torch.device`.

    ``"auto"`` picks CUDA when available, else CPU. Asking for CUDA on a machine
    without it raises a ValueError instead of failing inside torch.
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={str(device)!r} was requested but CUDA is not available on this "
            "machine; use device='cpu' or device='auto'."
        )
    if dev.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device={str(device)!r} was requested but MPS is not available.")
    return dev


def seed_from_rng(rng: np.random.RandomState) -> int:
    """Draw a 63-bit torch seed from a numpy RandomState."""
    return int(rng.randint(0, np.iinfo(np.int32).max)) * (2**31) + int(
        rng.randint(0, np.iinfo(np.int32).max)
    )


@contextmanager
def torch_seeded(seed: int, device: torch.device) -> Iterator[None]:
    """Seed torch for the duration of a block, restoring the global state after.

    Module initialisation, dropout and reparameterisation noise then depend only on
    ``seed``; the caller's global torch RNG state is untouched.
    """
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield

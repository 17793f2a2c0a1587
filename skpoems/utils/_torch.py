"""Small torch helpers: device resolution, seeding and the fixed noise of evaluations."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager

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
    if dev.type not in ("cpu", "cuda", "mps"):
        raise ValueError(
            f"device={str(device)!r} is not a device skpoems trains on: use 'cpu', 'cuda' "
            "(or 'cuda:<index>'), 'mps' or 'auto'."
        )
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={str(device)!r} was requested but CUDA is not available on this "
            "machine; use device='cpu' or device='auto'."
        )
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise ValueError(
            f"device={str(device)!r} was requested but this machine has "
            f"{torch.cuda.device_count()} CUDA device(s) (cuda:0 .. "
            f"cuda:{torch.cuda.device_count() - 1})."
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
    ``seed``; the caller's global torch RNG state is untouched. Only the
    generators of the CPU and of ``device`` are seeded, each inside a
    ``fork_rng`` that restores it: ``torch.manual_seed`` would also reseed every
    GPU (and the MPS generator) for good.
    """
    with ExitStack() as stack:
        stack.enter_context(torch.random.fork_rng(devices=[]))  # the CPU generator
        torch.default_generator.manual_seed(seed)
        if device.type == "cuda":
            index = torch.cuda.current_device() if device.index is None else device.index
            stack.enter_context(torch.random.fork_rng(devices=[index], device_type="cuda"))
            with torch.cuda.device(index):
                torch.cuda.manual_seed(seed)
        elif device.type == "mps":
            stack.callback(torch.mps.set_rng_state, torch.mps.get_rng_state())
            torch.mps.manual_seed(seed)
        yield


_DEFAULT_DTYPE_LOCK = threading.Lock()


@contextmanager
def float32_default() -> Iterator[None]:
    """float32 as torch's default dtype and the CPU as its default device while
    a model is built, so that a caller's ``torch.set_default_dtype(torch.float64)``
    or ``torch.set_default_device("cuda")`` does not change the initial weights a
    seed gives (they are drawn from the seeded CPU generator, then moved to the
    fit's device). The default dtype is global to the process: the lock keeps
    fits that build their models at the same time in threads from restoring
    each other's setting out of order."""
    with _DEFAULT_DTYPE_LOCK:
        previous = torch.get_default_dtype()
        torch.set_default_dtype(torch.float32)
        try:
            with torch.device("cpu"):
                yield
        finally:
            torch.set_default_dtype(previous)


# Held while a fit trains. torch's random generators are global to the process,
# so two fits training at the same time in threads (a thread pool, joblib's
# "threading" backend) would draw from one generator in an order that depends on
# the scheduler, and each would restore the other's seeded state as the caller's
# when it ends. Re-entrant, so that a fit started from inside a fit's own thread
# (a callback, say) does not deadlock.
_TRAINING_LOCK = threading.RLock()


def _new_locks_in_child() -> None:
    """A process forked while a thread trains inherits the locks held by a thread
    that does not exist in it: every fit there would wait for ever. The child
    starts with free ones."""
    global _TRAINING_LOCK, _DEFAULT_DTYPE_LOCK
    _TRAINING_LOCK = threading.RLock()
    _DEFAULT_DTYPE_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_new_locks_in_child)


@contextmanager
def training_mode_of_torch(seed: int, device: torch.device) -> Iterator[None]:
    """What a fit needs of torch's settings, whatever the caller set: the
    seed (:func:`torch_seeded`) and gradients on (a fit called inside
    ``torch.no_grad()`` or ``torch.inference_mode()``; both are thread-local).

    Fits in threads of one process train one at a time (``_TRAINING_LOCK``), so
    that a ``random_state`` gives the same model in a thread as alone and the
    caller's generator state is restored. torch already spreads one fit over
    the cores; parallel fits need processes (joblib's default backend).
    """
    with _TRAINING_LOCK, torch_seeded(seed, device), torch.inference_mode(False), torch.enable_grad():
        yield


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser, elementwise on uint64 (wrapping arithmetic): a
    well-mixed 64-bit hash of each value."""
    x = x + _GOLDEN
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


class RowNoise:
    """Fixed standard normal noise for evaluating a loss, drawn for each sample
    from a key of its values (:func:`row_keys`) rather than from one stream
    over the rows.

    A sample's noise then does not depend on the other samples evaluated with
    it, their order or how they are split into chunks, so a held-out loss
    (``score``) is a function of the set of samples. Pass it where a loss takes
    ``generator``; each call draws the next of a sample's draws (the models
    draw the same ones in the same order for every batch). The numbers come
    from a counter-based hash (SplitMix64, Box-Muller) in numpy float64: the
    same on every device and platform.
    """

    def __init__(self, keys: np.ndarray, seed: int = 0) -> None:
        self.keys = np.asarray(keys, dtype=np.uint64) ^ _splitmix64(np.asarray([seed], dtype=np.uint64))
        self.draws = 0

    def branch(self, stream: int, rows: torch.Tensor | None = None) -> RowNoise:
        """The noise of a part of the model that draws its own (stream
        ``stream``), for the samples ``rows`` (a boolean mask; None: all):
        each sample's draws there depend neither on which samples share them
        nor on the draws of the other parts."""
        keys = self.keys if rows is None else self.keys[rows.detach().cpu().numpy()]
        return RowNoise(keys ^ _splitmix64(np.asarray([stream + 1], dtype=np.uint64) * _GOLDEN))

    def normal_like(self, mean: torch.Tensor) -> torch.Tensor:
        n = len(self.keys)
        if mean.shape[0] != n:
            raise RuntimeError(f"noise for {mean.shape[0]} samples asked of keys of {n} samples")
        width = int(np.prod(mean.shape[1:], dtype=np.int64))
        counter = np.uint64(self.draws * width) + np.arange(width, dtype=np.uint64)
        self.draws += 1
        mixed = _splitmix64(self.keys)[:, None]
        u1, u2 = (
            (_splitmix64(mixed ^ (counter * np.uint64(2) + np.uint64(k))[None, :]) >> np.uint64(11)) * 2.0**-53
            for k in (0, 1)
        )
        z = np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)  # (1 - u1 in (0, 1])
        return torch.from_numpy(z.reshape(mean.shape)).to(dtype=mean.dtype).to(mean.device)


def row_keys(xs: Sequence[torch.Tensor], observed: torch.Tensor | None = None) -> np.ndarray:
    """A 64-bit key of each sample (row): a hash of its values in every omic as
    float32 (the precision the models compute in) and, for a sample lacking an
    omic, of which omics it has (so a complete sample's key is the same whether
    or not other samples of ``xs`` lack omics)."""
    import hashlib

    blocks = [x.detach().to("cpu", torch.float32).contiguous().numpy() for x in xs]
    mask = None if observed is None else observed.detach().cpu().numpy().astype(np.uint8)
    keys = np.empty(blocks[0].shape[0], dtype=np.uint64)
    for i in range(len(keys)):
        digest = hashlib.blake2b(digest_size=8)
        for block in blocks:
            digest.update(block[i].tobytes())
        if mask is not None and not mask[i].all():
            digest.update(mask[i].tobytes())
        keys[i] = int.from_bytes(digest.digest(), "little")
    return keys

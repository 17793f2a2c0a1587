"""Memory-bounded POEMS sparse decoder (MODELS.md section 1).

The POEMS decoder of one omic evaluates a small MLP once per (sample, feature) pair::

    out[b, j] = sum_h C[j, h] * dropout(relu(a[b, j, h])) + c0[j]
    a[b, j, h] = sum_k G[h, k] * mask[j, k] * z[b, k]

with ``z`` (B, K) the latent codes, ``mask`` (D, K) the feature-to-factor matrix W,
``G`` (H, K) the weight of the shared generator ``Linear(K, H, bias=False)``, ``C``
(D, H) the per-feature output weights and ``c0`` (D,) the per-feature biases.

The authors' "vectorised" formulation (:func:`sparse_decode_reference`) materialises
several (D, B, H) tensors: memory proportional to B * D * H. :func:`sparse_decode`
computes the same function and gradients without any (D, B, H) float tensor:
features are processed in chunks of J features (J from a memory budget), and the
forward pass keeps only its inputs, a dropout seed and, when they fit a second
budget, one byte per (b, j, h) element (which units were active) for the backward
pass; beyond that budget the backward pass recomputes each chunk's
pre-activations, and memory is bounded independently of D.

Algebra. For a chunk let ``M[(j, h), k] = mask[j, k] * G[h, k]`` (a (J*H, K) matrix,
B times smaller than the activations). Then

* forward: ``a^T = M @ z^T`` is one (J*H, K) @ (K, B) matmul, and the output is the
  contiguous batched matrix-vector product ``out^T[j, :] = C[j, :] @ hidden[j]``
  with ``hidden[j]`` of shape (H, B);
* backward: with ``e[(j, h), b] = dout[b, j] * 1[a > 0] * keep``, two large matmuls
  ``dz^T += (M * C)^T @ e`` (inner dimension J*H) and ``P = e @ z`` (inner dimension
  B) give everything else through cheap (J, H, K) contractions:
  ``dC[j, h] = sum_k M P``, ``dmask[j, k] = sum_h C P G``,
  ``dG[h, k] = sum_j C P mask`` (the dropout scale multiplies C throughout).

Forward + backward thus costs three (J*H) x K x B matmuls per chunk, i.e.
``6 * B * D * K * H`` FLOPs, the useful count of the naive form, plus a few
elementwise passes over the (J*H, B) chunk: ReLU, the dropout draw and the one-byte
indicators ``1[a > 0] * keep`` that the forward keeps for the backward (B * D * H
bytes in all, within ``activation_budget``); the product of the indicators with
``dout`` (backward). When the indicators do not fit the budget (very many features
at a large batch), the backward recomputes each chunk's pre-activations and dropout
draw instead: a fourth matmul (``8 * B * D * K * H`` FLOPs in all) and memory
independent of D. The dropout mask does not cost a pass of its own: the 0/1
"dropped" codes are written into the activation buffer and the matmul adds
``-big * dropped`` to it as its ``beta * C`` term, so that ReLU and ``1[a > 0]``
are zero at dropped units.

Dropout random numbers. Keep decisions come from a counter-based hash, not from a
stateful generator, so a recomputing backward pass regenerates exactly the forward's
mask from the seed alone, the mask does not depend on the chunking, and a seed gives
the same mask on every device. Element ``i`` of feature ``j`` (in the (H, B) order of
``hidden[j]``) is the 16-bit half ``i % 2`` of the 32-bit word
``mix(lowbias32(i // 2) ^ key(seed, j))`` with ``mix(x) = ((x M1) ^ ((x M1) >> 16))
M2`` (wrapping int32 arithmetic; lowbias32 is Chris Wellons' integer hash with
multipliers M1, M2), and it is dropped when that signed 16-bit value is below
``T - 32768`` with ``T = round(p * 65536)``. The exact keep probability is therefore
``1 - T / 65536`` (:func:`dropout_keep_probability`; 0.80000305 for p = 0.2), and
kept units are scaled by its exact inverse, so the layer is unbiased. On CPU this is
5 integer passes over half-size words (one word per two elements), several times
cheaper than torch's Mersenne-Twister ``bernoulli_``/``randint`` (which are serial).
:func:`dropout_keep_mask` rebuilds the full mask of a seed, for tests.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

__all__ = [
    "DEFAULT_ACTIVATION_BUDGET",
    "DEFAULT_CUDA_MEMORY_BUDGET",
    "DEFAULT_MEMORY_BUDGET",
    "chunk_size_for_budget",
    "dropout_keep_mask",
    "dropout_keep_probability",
    "sparse_decode",
    "sparse_decode_abs_jacobian_mean",
    "sparse_decode_chain_residuals",
    "sparse_decode_reference",
]

#: Default budget (bytes) of the chunk work buffers of :func:`sparse_decode` on CPU.
#: 12 MiB keeps a chunk's buffers within a typical last-level cache, where the
#: chunked loop is fastest (measured optimum: J = 24-32 features at B = 512 and
#: J = 128-256 at B = 32, with H = 100, K = 32, float32), while the per-chunk Python
#: overhead stays small.
DEFAULT_MEMORY_BUDGET: int = 12 * 2**20

#: Default budget on CUDA devices, where larger chunks amortise kernel launches.
DEFAULT_CUDA_MEMORY_BUDGET: int = 256 * 2**20

#: Default budget (bytes) for keeping the forward pass's ReLU/dropout indicators
#: (one byte per (b, j, h) element, B * D * H bytes in all) for the backward pass.
#: Within it the backward skips recomputing the pre-activations and the dropout
#: mask; above it (e.g. tens of thousands of features at batch 512) it recomputes
#: them chunk by chunk, so memory stays bounded. 256 MiB holds BRCA (2,503
#: features) at batch 1024.
DEFAULT_ACTIVATION_BUDGET: int = 256 * 2**20

_RNG_RANGE = 1 << 16  # the dropout draw is a uniform 16-bit integer

# Constants of the lowbias32 hash (Chris Wellons, "hash prospector"), as signed int32.
_M1 = 0x7FEB352D
_M2 = 0x846CA68B - (1 << 32)
_MASK32 = 0xFFFFFFFF
_MASK64 = (1 << 64) - 1


# --------------------------------------------------------------------------------------
# Dropout random numbers
# --------------------------------------------------------------------------------------
def _dropout_threshold(p: float) -> int:
    """Return T: an element is dropped when its uniform 16-bit draw is ``< T``."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability must be in [0, 1], got {p!r}")
    return int(round(p * _RNG_RANGE))


def dropout_keep_probability(p: float) -> float:
    """Exact keep probability that :func:`sparse_decode` uses for dropout ``p``.

    Parameters
    ----------
    p : float
        Nominal dropout probability in [0, 1].

    Returns
    -------
    float
        ``1 - round(p * 65536) / 65536``, within 7.7e-6 of ``1 - p`` (0.80000305 for
        p = 0.2).
    """
    return 1.0 - _dropout_threshold(p) / _RNG_RANGE


def _to_int32(x: Tensor) -> Tensor:
    """Reinterpret non-negative int64 values below 2**32 as (wrapped) int32."""
    return torch.where(x >= 2**31, x - 2**32, x).to(torch.int32)


def _splitmix64(x: int) -> int:
    """SplitMix64 finaliser of a Python integer (64-bit, unsigned)."""
    x &= _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def _xorshift32_(x: Tensor, shift: int, tmp: Tensor) -> None:
    """In place ``x ^= x >>> shift`` (logical shift) on an int32 tensor."""
    torch.bitwise_right_shift(x, shift, out=tmp)
    tmp.bitwise_and_((1 << (32 - shift)) - 1)
    x.bitwise_xor_(tmp)


_COUNTER_CACHE: dict[tuple[int, str], Tensor] = {}


def _hashed_counters(n_words: int, device: torch.device) -> Tensor:
    """``lowbias32(i)`` for ``i < n_words`` (int32, shape (1, n_words)), cached.

    lowbias32 (Chris Wellons' "hash prospector") is a bijection of 32-bit words with
    near-ideal avalanche, so these are distinct, well-mixed per-position counters.
    """
    key = (n_words, str(device))
    table = _COUNTER_CACHE.get(key)
    if table is None:
        table = _to_int32(torch.arange(n_words, dtype=torch.int64, device=device))
        tmp = torch.empty_like(table)
        _xorshift32_(table, 16, tmp)
        table.mul_(_M1)
        _xorshift32_(table, 15, tmp)
        table.mul_(_M2)
        _xorshift32_(table, 16, tmp)
        if len(_COUNTER_CACHE) >= 16:
            _COUNTER_CACHE.clear()
        table = table[None, :]
        _COUNTER_CACHE[key] = table
    return table


def _feature_keys(seed: int, n_features: int, device: torch.device) -> Tensor:
    """Per-feature 32-bit keys (int32, shape (n_features, 1)) derived from a seed."""
    base = _splitmix64(seed)
    x = torch.arange(n_features, dtype=torch.int64, device=device)
    # A multiply-xorshift hash of (feature index + seed-dependent offset) on 32-bit
    # values held in int64 (every product stays below 2**63, so it is exact).
    x = (x + (base & _MASK32)) & _MASK32
    x = ((x ^ (x >> 16)) * 0x21F0AAAD) & _MASK32
    x = ((x ^ (x >> 15)) * 0x735A2D97) & _MASK32
    x = x ^ (x >> 15) ^ (base >> 32)
    return _to_int32(x)[:, None]


def _drop_codes(keys: Tensor, words: Tensor, tmp: Tensor, threshold: int) -> Tensor:
    """Dropout decisions of a chunk: int16 ``1`` (dropped) or ``0`` (kept).

    ``keys`` (J, 1) are the chunk's feature keys; ``words`` and ``tmp`` are int32
    work buffers of shape (J, W). Element ``i`` of feature ``j`` is the signed 16-bit
    half ``i % 2`` (little-endian order) of the word
    ``x = mix(counter[i // 2] ^ key[j])``, ``mix(y) = (t ^ (t >> 16)) * M2`` with
    ``t = y * M1`` (wrapping int32 arithmetic, arithmetic shift), and is dropped when
    ``x < T - 32768``, i.e. with probability exactly ``T / 65536``.
    Returns ``words`` viewed as int16, shape (J, 2 * W).
    """
    torch.bitwise_xor(_hashed_counters(words.shape[1], words.device), keys, out=words)
    words.mul_(_M1)
    torch.bitwise_right_shift(words, 16, out=tmp)
    words.bitwise_xor_(tmp)
    words.mul_(_M2)
    codes = words.view(torch.int16)
    # T = 65536 (p = 1) cannot be represented: the one value 32767 is then "kept",
    # which is harmless because the keep scale is 0 in that case.
    return codes.lt_(min(threshold - _RNG_RANGE // 2, _RNG_RANGE // 2 - 1))


def dropout_keep_mask(
    seed: int,
    batch_size: int,
    n_features: int,
    hidden_size: int,
    p: float,
    *,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> Tensor:
    """Rebuild the full dropout mask that :func:`sparse_decode` uses for ``seed``.

    The mask depends only on ``seed``, the shapes and ``p``: not on the chunk size,
    the memory budget or the device, so it is the mask of every chunking.

    Parameters
    ----------
    seed : int
        The ``seed`` passed to (or drawn by) :func:`sparse_decode`.
    batch_size, n_features, hidden_size : int
        B, D and H.
    p : float
        Dropout probability.
    device : torch.device or str, optional
        Device of the returned mask (default CPU).
    dtype : torch.dtype, default=torch.float32
        Floating dtype of the returned mask.

    Returns
    -------
    Tensor of shape (batch_size, n_features, hidden_size)
        The *scaled* keep mask: ``0`` for dropped elements and
        ``1 / dropout_keep_probability(p)`` for kept ones, ready for
        ``sparse_decode_reference(..., dropout_mask=mask)``.
    """
    device = torch.device("cpu") if device is None else torch.device(device)
    threshold = _dropout_threshold(p)
    keep_prob = 1.0 - threshold / _RNG_RANGE
    scale = 0.0 if keep_prob == 0.0 else 1.0 / keep_prob
    per_feature = hidden_size * batch_size
    n_words = (per_feature + 1) // 2
    words = torch.empty(n_features, n_words, dtype=torch.int32, device=device)
    codes = _drop_codes(
        _feature_keys(int(seed) & _MASK64, n_features, device),
        words, torch.empty_like(words), threshold,
    )[:, :per_feature]
    keep = (1 - codes).to(dtype) * scale
    return keep.reshape(n_features, hidden_size, batch_size).permute(2, 0, 1)


# --------------------------------------------------------------------------------------
# Chunk selection
# --------------------------------------------------------------------------------------
def _bytes_per_feature(
    batch_size: int, latent_dim: int, hidden_size: int, itemsize: int
) -> int:
    """Working memory of one feature of a chunk (see :func:`chunk_size_for_budget`)."""
    # (H, B) blocks: the activation buffer (itemsize) plus the dropout hash words
    # and their temporary (one int32 each per pair of elements: 4 bytes); (H, K)
    # blocks: M, M * C, P and one temporary of the small contractions.
    return hidden_size * (batch_size * (itemsize + 4) + 4 * latent_dim * itemsize)


def chunk_size_for_budget(
    n_features: int,
    batch_size: int,
    latent_dim: int,
    hidden_size: int,
    *,
    itemsize: int = 4,
    memory_budget: int | None = None,
) -> int:
    """Choose the number of features per chunk so that its work buffers fit a budget.

    Parameters
    ----------
    n_features, batch_size, latent_dim, hidden_size : int
        D, B, K and H.
    itemsize : int, default=4
        Bytes per element of the floating dtype (4 for float32, 8 for float64).
    memory_budget : int, optional
        Bytes allowed for the work buffers; default :data:`DEFAULT_MEMORY_BUDGET`.

    Returns
    -------
    int
        ``J`` in ``[1, max(n_features, 1)]``: the largest chunk whose work buffers,
        ``J * H * (B * (itemsize + 4) + 4 * K * itemsize)`` bytes, fit the budget
        (at least one feature, even when one feature alone exceeds the budget).
    """
    budget = DEFAULT_MEMORY_BUDGET if memory_budget is None else int(memory_budget)
    if budget <= 0:
        raise ValueError(f"memory_budget must be positive, got {memory_budget!r}")
    per_feature = _bytes_per_feature(batch_size, latent_dim, hidden_size, itemsize)
    return int(max(1, min(max(n_features, 1), budget // max(per_feature, 1))))


# --------------------------------------------------------------------------------------
# Chunked kernels
# --------------------------------------------------------------------------------------
class _Plan:
    """Scalars of one call that forward and backward share (no large tensors)."""

    __slots__ = ("chunk", "seed", "threshold", "scale", "dropout_on", "store")

    def __init__(
        self, chunk: int, seed: int, threshold: int, scale: float, dropout_on: bool,
        store: bool = False,
    ) -> None:
        self.chunk = chunk
        self.seed = seed
        self.threshold = threshold
        self.scale = scale
        self.dropout_on = dropout_on
        # Keep the forward's indicators 1[a > 0] * keep for the backward pass.
        self.store = store


class _Workspace:
    """Work buffers of one chunk, allocated once per call and reused by every chunk."""

    def __init__(
        self, plan: _Plan, z: Tensor, hidden: int, n_features: int, backward: bool
    ) -> None:
        batch, latent = z.shape
        chunk = plan.chunk
        opts: dict[str, Any] = {"dtype": z.dtype, "device": z.device}
        self.hidden = hidden
        self.batch = batch
        self.acts = torch.empty(chunk * hidden, batch, **opts)
        self.factors = torch.empty(chunk, hidden, latent, **opts)
        if backward:
            self.work = torch.empty(chunk, hidden, latent, **opts)
            self.prod = torch.empty(chunk * hidden, latent, **opts)
        if plan.dropout_on and not (backward and plan.store):
            per_feature = hidden * batch
            n_words = (per_feature + 1) // 2
            self.words = torch.empty(chunk, n_words, dtype=torch.int32,
                                     device=z.device)
            self.tmp = torch.empty_like(self.words)
            self.keys = _feature_keys(plan.seed, n_features, z.device)
            # Added to dropped pre-activations: far below any finite activation.
            self.big = float(torch.finfo(z.dtype).max) / 4
        if plan.store and not backward:
            # int16 staging of the one-byte indicators: float -> int16 -> uint8 is
            # two fast vectorised casts, while a direct float -> uint8 copy runs
            # about 6x slower than either on CPU (torch 2.x). The dropout hash's
            # temporary is free once a chunk's codes are in ``acts``: reuse it.
            n_elems = chunk * hidden * batch
            if plan.dropout_on:
                self.staging = self.tmp.view(-1).view(torch.int16)[:n_elems]
            else:
                self.staging = torch.empty(n_elems, dtype=torch.int16, device=z.device)

    def activations(
        self, plan: _Plan, zt: Tensor, mask: Tensor, gen: Tensor, j0: int, j1: int
    ) -> tuple[Tensor, Tensor]:
        """``M`` (J, H, K) and the dropped-out pre-activations ``a^T`` (J*H, B).

        Dropped elements get ``-big`` added (inside the matmul, as its ``beta * C``
        term), so both ``relu`` and ``a > 0`` are zero there: the same as multiplying
        by the 0/1 keep mask before the ReLU.
        """
        n_j = j1 - j0
        factors = self.factors[:n_j]
        torch.mul(mask[j0:j1, None, :], gen[None, :, :], out=factors)
        acts = self.acts[: n_j * self.hidden]
        flat = factors.view(n_j * self.hidden, -1)
        if not plan.dropout_on:
            torch.mm(flat, zt, out=acts)
            return factors, acts
        per_feature = self.hidden * self.batch
        codes = _drop_codes(self.keys[j0:j1], self.words[:n_j], self.tmp[:n_j],
                            plan.threshold)
        # The 0/1 drop codes ride along the matmul as its "beta * C" term:
        # acts = M^T z^T - big * dropped.
        acts.view(n_j, per_feature).copy_(codes[:, :per_feature])
        acts.addmm_(flat, zt, beta=-self.big)
        return factors, acts


def _accumulate_grad_z(grad_z_t: Tensor, scaled: Tensor, acts: Tensor) -> None:
    """``grad_z_t += scaled^T @ acts``: (K, N) @ (N, B) with a long inner dimension.

    On CPU the product is split into two halves of the inner dimension computed as a
    batched matmul and summed: MKL runs this small-output, long-inner shape about
    20-30% faster that way with two threads than as one ``addmm``.
    """
    n = scaled.shape[0]
    if acts.device.type != "cpu" or n % 2 or torch.get_num_threads() < 2:
        grad_z_t.addmm_(scaled.t(), acts)
        return
    half = n // 2
    parts = torch.bmm(scaled.view(2, half, -1).transpose(1, 2), acts.view(2, half, -1))
    grad_z_t.add_(parts[0]).add_(parts[1])


def _forward_impl(
    z: Tensor, mask: Tensor, gen: Tensor, out_w: Tensor, out_b: Tensor, plan: _Plan
) -> tuple[Tensor, Tensor | None]:
    """Return the output (B, D) and, when ``plan.store``, the indicators (D*H, B)."""
    batch, n_features = z.shape[0], mask.shape[0]
    hidden = gen.shape[0]
    ws = _Workspace(plan, z, hidden, n_features, backward=False)
    zt = z.t().contiguous()
    c_scaled = out_w * plan.scale if plan.scale != 1.0 else out_w
    out_t = torch.empty(n_features, 1, batch, dtype=z.dtype, device=z.device)
    active = None
    if plan.store:
        active = torch.empty(n_features * hidden, batch, dtype=torch.uint8,
                             device=z.device)
    for j0 in range(0, n_features, plan.chunk):
        j1 = min(j0 + plan.chunk, n_features)
        _, acts = ws.activations(plan, zt, mask, gen, j0, j1)
        acts.clamp_min_(0.0)
        torch.bmm(c_scaled[j0:j1, None, :], acts.view(j1 - j0, hidden, batch),
                  out=out_t[j0:j1])
        if active is not None:  # 1[a > 0] * keep (dropped units are at -big);
            # an in-place float compare plus casts is several times faster than a
            # compare with a uint8 or bool output on CPU.
            staged = ws.staging[: acts.numel()].view(acts.shape)
            active[j0 * hidden : j1 * hidden].copy_(staged.copy_(acts.gt_(0.0)))
    out = torch.empty(batch, n_features, dtype=z.dtype, device=z.device)
    return torch.add(out_t.view(n_features, batch).t(), out_b, out=out), active


def _backward_impl(
    grad_out: Tensor,
    z: Tensor,
    mask: Tensor,
    gen: Tensor,
    out_w: Tensor,
    plan: _Plan,
    needs: tuple[bool, ...],
    active: Tensor | None = None,
) -> tuple[Tensor | None, ...]:
    need_z, need_mask, need_gen, need_w, need_b = needs[:5]
    batch, n_features = z.shape[0], mask.shape[0]
    hidden, latent = gen.shape
    grad_z = grad_mask = grad_gen = grad_w = grad_b = None
    if need_b:
        grad_b = grad_out.sum(0)
    need_p = need_mask or need_gen or need_w
    if not (need_z or need_p):
        return grad_z, grad_mask, grad_gen, grad_w, grad_b
    ws = _Workspace(plan, z, hidden, n_features, backward=True)
    zt = z.t().contiguous()
    grad_out_t = grad_out.t().contiguous()  # (D, B)
    c_scaled = out_w * plan.scale if plan.scale != 1.0 else out_w
    if need_z:
        grad_z_t = z.new_zeros(latent, batch)
    if need_mask:
        grad_mask = mask.new_empty(mask.shape)
    if need_gen:
        grad_gen = gen.new_zeros(gen.shape)
    if need_w:
        grad_w = out_w.new_empty(out_w.shape)
    for j0 in range(0, n_features, plan.chunk):
        j1 = min(j0 + plan.chunk, n_features)
        n_j = j1 - j0
        # e[(j, h), b] = dout[b, j] * 1[a > 0] * keep; C and the dropout scale are
        # folded into the small (J, H, K) factors instead.
        if active is None:  # recompute the chunk's pre-activations and dropout
            factors, acts = ws.activations(plan, zt, mask, gen, j0, j1)
            acts.gt_(0.0)
            acts.view(n_j, hidden, batch).mul_(grad_out_t[j0:j1, None, :])
        else:
            factors = ws.factors[:n_j]
            torch.mul(mask[j0:j1, None, :], gen[None, :, :], out=factors)
            acts = ws.acts[: n_j * hidden]
            acts.copy_(active[j0 * hidden : j1 * hidden])
            acts.view(n_j, hidden, batch).mul_(grad_out_t[j0:j1, None, :])
        if need_z:  # dz^T += (M * C)^T e
            scaled = ws.work[:n_j]
            torch.mul(factors, c_scaled[j0:j1, :, None], out=scaled)
            _accumulate_grad_z(grad_z_t, scaled.view(n_j * hidden, latent), acts)
        if need_p:
            prod = ws.prod[: n_j * hidden]
            torch.mm(acts, z, out=prod)  # P[(j, h), k] = sum_b e[(j, h), b] z[b, k]
            if need_w:  # dC[j, h] = sum_k M P (times the dropout scale, below)
                torch.sum(factors.view(n_j * hidden, latent) * prod, dim=1,
                          out=grad_w[j0:j1].view(-1))
            if need_mask or need_gen:
                d_m = prod.view(n_j, hidden, latent).mul_(c_scaled[j0:j1, :, None])
                if need_mask:  # dmask[j, k] = sum_h dM G
                    torch.sum(d_m * gen, dim=1, out=grad_mask[j0:j1])
                if need_gen:  # dG[h, k] = sum_j dM mask
                    grad_gen.add_((d_m * mask[j0:j1, None, :]).sum(0))
    if need_w and plan.scale != 1.0:
        grad_w.mul_(plan.scale)
    if need_z:
        grad_z = grad_z_t.t().contiguous()
    return grad_z, grad_mask, grad_gen, grad_w, grad_b


class _SparseDecode(torch.autograd.Function):
    """Autograd function of :func:`sparse_decode`.

    The backward pass reuses the forward's stored indicators when ``plan.store``,
    and otherwise recomputes them chunk by chunk.
    """

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any,
        z: Tensor,
        mask: Tensor,
        gen: Tensor,
        out_w: Tensor,
        out_b: Tensor,
        plan: _Plan,
    ) -> Tensor:
        out, active = _forward_impl(z, mask, gen, out_w, out_b, plan)
        if active is None:
            ctx.save_for_backward(z, mask, gen, out_w)
        else:
            ctx.save_for_backward(z, mask, gen, out_w, active)
        ctx.plan = plan
        return out

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(  # type: ignore[override]
        ctx: Any, grad_out: Tensor
    ) -> tuple[Tensor | None, ...]:
        z, mask, gen, out_w, *active = ctx.saved_tensors
        grads = _backward_impl(
            grad_out, z, mask, gen, out_w, ctx.plan,
            tuple(ctx.needs_input_grad), active[0] if active else None,
        )
        return (*grads, None)


def _check_inputs(
    z: Tensor, mask: Tensor, gen: Tensor, out_w: Tensor, out_b: Tensor
) -> None:
    if z.dim() != 2 or mask.dim() != 2 or gen.dim() != 2 or out_w.dim() != 2:
        raise ValueError("z, mask, hidden_weight and out_weight must be 2-D")
    batch, latent = z.shape
    n_features, hidden = out_w.shape
    if mask.shape != (n_features, latent):
        raise ValueError(
            f"mask must have shape (n_features, latent_dim) = "
            f"{(n_features, latent)}, got {tuple(mask.shape)}"
        )
    if gen.shape != (hidden, latent):
        raise ValueError(
            f"hidden_weight must have shape (hidden_size, latent_dim) = "
            f"{(hidden, latent)}, got {tuple(gen.shape)}"
        )
    if out_b.shape != (n_features,):
        raise ValueError(
            f"out_bias must have shape (n_features,) = {(n_features,)}, "
            f"got {tuple(out_b.shape)}"
        )
    for name, t in (("mask", mask), ("hidden_weight", gen), ("out_weight", out_w),
                    ("out_bias", out_b)):
        if t.dtype != z.dtype or t.device != z.device:
            raise ValueError(
                f"{name} has dtype/device {t.dtype}/{t.device} but z has "
                f"{z.dtype}/{z.device}"
            )
    if not z.is_floating_point():
        raise TypeError(f"z must be a floating tensor, got {z.dtype}")


def sparse_decode(
    z: Tensor,
    mask: Tensor,
    hidden_weight: Tensor,
    out_weight: Tensor,
    out_bias: Tensor,
    *,
    dropout: float = 0.0,
    training: bool = False,
    seed: int | None = None,
    chunk_size: int | None = None,
    memory_budget: int | None = None,
    activation_budget: int | None = None,
) -> Tensor:
    """POEMS sparse decoder of one omic, in memory bounded independently of D.

    Computes ``out[b, j] = sum_h C[j, h] * dropout(relu(a[b, j, h])) + c0[j]`` with
    ``a[b, j, h] = sum_k G[h, k] * mask[j, k] * z[b, k]``: the same function and the
    same gradients (for all five tensor inputs) as :func:`sparse_decode_reference`,
    without materialising any (B, D, H) tensor. See the module docstring for the
    algorithm and the dropout random numbers.

    Parameters
    ----------
    z : Tensor of shape (B, K)
        Latent codes.
    mask : Tensor of shape (D, K)
        Feature-to-factor matrix W (after any row normalisation).
    hidden_weight : Tensor of shape (H, K)
        Weight G of the shared generator ``Linear(K, H, bias=False)``.
    out_weight : Tensor of shape (D, H)
        Per-feature output weights C.
    out_bias : Tensor of shape (D,)
        Per-feature output biases c0.
    dropout : float, default=0.0
        Dropout probability p of the hidden units, applied independently to every
        (b, j, h) element when ``training`` is True. The exact keep probability is
        :func:`dropout_keep_probability` ``(p)`` (within 7.7e-6 of ``1 - p``) and kept
        units are scaled by its inverse.
    training : bool, default=False
        Whether dropout is active.
    seed : int, optional
        Seed of the dropout mask (any Python integer; used modulo 2**64). When None
        and dropout is active, a seed is drawn from torch's global (CPU) generator
        with ``torch.randint``, so seeding torch (for example inside
        ``torch.random.fork_rng``) makes the result reproducible. The mask for a seed
        is :func:`dropout_keep_mask`; it does not depend on the chunking or device.
    chunk_size : int, optional
        Features per chunk. Default: :func:`chunk_size_for_budget` with
        ``memory_budget``.
    memory_budget : int, optional
        Bytes allowed for the chunk work buffers when ``chunk_size`` is None;
        default :data:`DEFAULT_MEMORY_BUDGET` (12 MiB) on CPU and
        :data:`DEFAULT_CUDA_MEMORY_BUDGET` (256 MiB) on CUDA. The peak extra memory
        of a call is about this budget plus O((B + K + H) * D) elements for the
        output, the gradients and transposed copies of ``z`` and ``dout``, plus
        the stored indicators below.
    activation_budget : int, optional
        Bytes allowed for keeping, between the forward and the backward pass, the
        B * D * H one-byte indicators ``1[a > 0] * keep``; default
        :data:`DEFAULT_ACTIVATION_BUDGET` (256 MiB). When they fit, the backward
        pass does not recompute the pre-activations and the dropout mask (one of
        its four large matmuls and the hash passes: 10-18% of a TCGA BRCA training
        epoch on CPU, measured); otherwise it recomputes them per chunk. 0 always
        recomputes. The result and the gradients are the same either way.

    Returns
    -------
    Tensor of shape (B, D)
        The reconstruction ``x_hat``.

    Notes
    -----
    Works on any device (CPU, CUDA) in float32 and float64. Under
    ``torch.no_grad()`` (or when no input requires grad) no autograd state is kept.
    Gradients are first-order only (no double backward).
    """
    _check_inputs(z, mask, hidden_weight, out_weight, out_bias)
    batch, latent = z.shape
    n_features, hidden = out_weight.shape
    if chunk_size is None:
        if memory_budget is None and z.device.type == "cuda":
            memory_budget = DEFAULT_CUDA_MEMORY_BUDGET
        chunk = chunk_size_for_budget(
            n_features, batch, latent, hidden,
            itemsize=z.element_size(), memory_budget=memory_budget,
        )
    else:
        chunk = int(chunk_size)
        if chunk < 1:
            raise ValueError(f"chunk_size must be >= 1, got {chunk_size!r}")
        chunk = min(chunk, max(n_features, 1))
    threshold = _dropout_threshold(dropout)
    dropout_on = bool(training) and threshold > 0
    scale = 1.0
    if dropout_on:
        keep_prob = 1.0 - threshold / _RNG_RANGE
        scale = 0.0 if keep_prob == 0.0 else 1.0 / keep_prob
        if seed is None:
            seed = int(torch.randint(0, 2**62, (1,), device="cpu").item())
    budget = (DEFAULT_ACTIVATION_BUDGET if activation_budget is None
              else int(activation_budget))
    if budget < 0:
        raise ValueError(f"activation_budget must be >= 0, got {activation_budget!r}")
    if n_features == 0 or batch == 0:
        return z.new_zeros(batch, n_features) + out_bias
    inputs = (z, mask, hidden_weight, out_weight, out_bias)
    if torch.is_grad_enabled() and any(t.requires_grad for t in inputs):
        store = batch * n_features * hidden <= budget
        plan = _Plan(chunk, int(seed or 0) & _MASK64, threshold, scale, dropout_on,
                     store)
        return _SparseDecode.apply(*inputs, plan)
    plan = _Plan(chunk, int(seed or 0) & _MASK64, threshold, scale, dropout_on)
    return _forward_impl(*inputs, plan)[0]


def sparse_decode_reference(
    z: Tensor,
    mask: Tensor,
    hidden_weight: Tensor,
    out_weight: Tensor,
    out_bias: Tensor,
    *,
    dropout_mask: Tensor | None = None,
) -> Tensor:
    """Evaluate the authors' "vectorised" sparse decoder (memory ~ B * D * H).

    Builds ``masked = z[None] * mask[:, None]`` (D, B, K),
    ``hidden = relu(masked.reshape(D * B, K) @ G.T)``, applies the dropout mask, and
    contracts with C: ``einsum('dbh,dh->bd', hidden, C) + c0``.

    Parameters
    ----------
    z, mask, hidden_weight, out_weight, out_bias : Tensor
        As in :func:`sparse_decode`.
    dropout_mask : Tensor of shape (B, D, H), optional
        *Scaled* keep mask multiplied into the hidden activations (0 for dropped
        units, ``1 / keep_probability`` for kept ones), e.g. from
        :func:`dropout_keep_mask`. None means no dropout.

    Returns
    -------
    Tensor of shape (B, D)
    """
    n_features, hidden = out_weight.shape
    batch, latent = z.shape
    masked = z[None, :, :] * mask[:, None, :]  # (D, B, K)
    act = torch.relu(masked.reshape(n_features * batch, latent) @ hidden_weight.t())
    act = act.reshape(n_features, batch, hidden)
    if dropout_mask is not None:
        act = act * dropout_mask.permute(1, 0, 2)
    return torch.einsum("dbh,dh->bd", act, out_weight) + out_bias


def sparse_decode_abs_jacobian_mean(
    z: Tensor,
    mask: Tensor,
    hidden_weight: Tensor,
    out_weight: Tensor,
    *,
    max_elements: int = 2**22,
    absolute: bool = True,
) -> Tensor:
    """Mean absolute Jacobian of the sparse decoder (no dropout), in bounded memory.

    Returns ``A[j, k] = mean_b |d out[b, j] / d z[b, k]|`` (``absolute=False``:
    the signed mean slope ``mean_b d out[b, j] / d z[b, k]``) for the decoder of
    :func:`sparse_decode` in eval mode, where the chain rule gives, exactly::

        d out[b, j] / d z[b, k] = mask[j, k] * sum_h C[j, h] * 1[a[b, j, h] > 0] * G[h, k]

    (ReLU's derivative taken as 0 at 0). Samples and features are processed in
    blocks whose work tensors have at most ``max_elements`` elements, so memory
    does not grow with B * D; the arithmetic is two (B * D) x H x K matmuls, what
    two forward passes do, instead of 2 K forward passes for finite differences.
    Its time is set by memory traffic over the (b, J, H) work tensors, which are
    updated in place: measured in float64 (as ``decoder_attributions`` runs it),
    about 10 to 15 times an ``inverse_transform`` of the same samples in float32.

    Parameters
    ----------
    z : Tensor of shape (B, K)
    mask, hidden_weight, out_weight : Tensor
        As in :func:`sparse_decode` (the bias does not enter the Jacobian).
    max_elements : int, default=2**22
        Bound on the elements of each work tensor.
    absolute : bool, default=True
        Average the absolute slopes (attributions) or the signed ones. Rows of
        ``mask`` and ``out_weight`` of some features give those features' alone.

    Returns
    -------
    Tensor of shape (D, K), on ``z``'s device and dtype.
    """
    batch, latent = z.shape
    n_features, hidden = out_weight.shape
    out = z.new_zeros(n_features, latent)
    if batch == 0 or n_features == 0:
        return out
    width = max(hidden, latent)
    rows = max(1, min(batch, max_elements // width))
    feats = max(1, max_elements // (rows * width))
    g_t = hidden_weight.t()
    for s in range(0, batch, rows):
        zb = z[s : s + rows]
        for j in range(0, n_features, feats):
            m = mask[j : j + feats]  # (J, K)
            # in place: the cost is memory traffic over (b, J, H) tensors, not arithmetic
            gated = ((zb[:, None, :] * m[None]) @ g_t).gt_(0)  # (b, J, H): 1[a > 0], a the pre-activations
            gated.mul_(out_weight[j : j + feats])  # C * 1[a > 0]
            slopes = (gated @ hidden_weight).mul_(m)
            out[j : j + feats] += (slopes.abs_() if absolute else slopes).sum(dim=0)
    return out / batch


def sparse_decode_chain_residuals(
    z: Tensor,
    center: Tensor,
    mask: Tensor,
    hidden_weight: Tensor,
    out_weight: Tensor,
    out_bias: Tensor,
    x: Tensor,
    orders: Tensor,
    *,
    max_elements: int = 2**19,
) -> Tensor:
    """Residual variance of the decoder (no dropout) along chains of coalitions.

    A coalition ``S`` of the K factors decodes ``z_S``: ``z`` with the factors
    outside ``S`` set to ``center``. For each order ``o`` (a permutation of the
    factors) and each ``i < K``, this returns ``sum_j Var_b(x[b, j] -
    out_S[b, j])`` for ``S = orders[o, :i + 1]`` (population variance over the
    B rows), the sums that Shapley values of explained variance along sampled
    orders need (:func:`skpoems.inspection.variance_explained`).

    Incremental. The pre-activations of ``S + {k}`` are those of ``S`` plus the
    rank-one term ``(z[b, k] - center[k]) * mask[j, k] * G[h, k]``, so each step
    of a chain is one rank-one update of the (B, J*H) pre-activations of a chunk
    of J features, the ReLU and the contraction with ``C``: three passes over
    the chunk instead of the (J*H) x K x B matmul of decoding ``z_S`` afresh
    (K times the work). Chunks of J features keep the work tensors (B x J*H
    pre-activations and activations, K x J*H steps) within ``max_elements``,
    or at one feature each where a single feature needs more, so memory does
    not grow with the number of features.

    Parameters
    ----------
    z : Tensor of shape (B, K)
    center : Tensor of shape (K,)
        The value of a factor outside the coalition.
    mask, hidden_weight, out_weight, out_bias : Tensor
        As in :func:`sparse_decode`.
    x : Tensor of shape (B, D)
        The data the decoded values are compared with.
    orders : LongTensor of shape (n_orders, K)
        Each row a permutation of ``0 .. K - 1``.
    max_elements : int, default=2**19
        Bound on the elements of each work tensor (two of them; about the
        fastest size on CPU, measured at B = 154, H = 100).

    Returns
    -------
    Tensor of shape (n_orders, K), float64, on the CPU.
    """
    batch, latent = z.shape
    n_features, hidden = out_weight.shape
    n_orders = orders.shape[0]
    out = torch.zeros(n_orders, latent, dtype=torch.float64, device="cpu")  # (MPS has no float64)
    if batch == 0 or n_features == 0 or n_orders == 0:
        return out
    deviation_rows = (z - center).t().contiguous()  # row k: z[:, k] - center[k]
    start = (mask * center) @ hidden_weight.t()  # (D, H): the pre-activations at the center
    feats = max(1, min(n_features, max_elements // (max(batch, latent) * hidden)))
    order_list = orders.tolist()
    for j in range(0, n_features, feats):
        width = min(feats, n_features - j)
        # (K, J*H): the pre-activations' change per unit of each factor
        steps = (mask[j : j + feats].t()[:, :, None] * hidden_weight.t()[:, None, :]).reshape(latent, -1)
        steps = steps.contiguous()  # (the product's layout follows its broadcast operands)
        head = out_weight[j : j + feats][None]  # (1, J, H)
        target = x[:, j : j + feats] - out_bias[j : j + feats]  # (B, J)
        pre = z.new_empty(batch, width * hidden)
        act = torch.empty_like(pre)
        sums = z.new_empty(n_orders, latent)
        for o, order in enumerate(order_list):
            pre.copy_(start[j : j + feats].reshape(1, -1).expand(batch, -1))
            for i, k in enumerate(order):
                pre.addr_(deviation_rows[k], steps[k])
                torch.clamp_min(pre, 0, out=act)
                residual = target - act.view(batch, width, hidden).mul_(head).sum(dim=2)
                residual -= residual.mean(dim=0)  # (6x faster than var(dim=0) here)
                sums[o, i] = torch.dot(residual.view(-1), residual.view(-1)) / batch
        out += sums.cpu().double()
    return out

"""The model maths against independent closed-form computations (MODELS.md section 1)."""

import copy

import numpy as np
import pytest
import torch
from conftest import check_kl_warmup
from scipy import stats

from skpoems._losses import (
    gaussian_sq_error,
    kl_std_normal,
    sigma_prior_params,
    sigma_prior_penalty,
    spike_slab_penalty,
    spike_slab_update,
)
from skpoems._modules import (
    MOCSS,
    FeatureNoise,
    GatingNetwork,
    GaussianEncoder,
    PoEVAE,
    SparseDecoder,
    product_of_experts,
)


@pytest.fixture(autouse=True)
def _float64():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(0)
    yield
    torch.set_default_dtype(old)


def t(a):
    return torch.as_tensor(np.asarray(a, dtype=np.float64))


def test_product_of_two_gaussians_closed_form():
    # N(1, 0.5^2) x N(-2, 2^2) with equal weights: precision 4 + 0.25, mean (4*1 - 0.25*2)/4.25
    means = t([[[1.0], [-2.0]]])
    logvars = t([[[np.log(0.25)], [np.log(4.0)]]])
    mean, logvar = product_of_experts(means, logvars, t([[1.0, 1.0]]))
    assert mean.item() == pytest.approx((4 * 1 - 0.25 * 2) / 4.25)
    assert logvar.item() == pytest.approx(-np.log(4.25))


def test_gated_product_of_experts_matches_formula():
    rng = np.random.RandomState(0)
    mu, lv = rng.normal(size=(5, 3, 4)), rng.normal(size=(5, 3, 4))
    alpha = rng.dirichlet(np.ones(3), size=5)
    tau = np.exp(-lv)
    tau_s = (alpha[:, :, None] * tau).sum(1)
    mu_s = (alpha[:, :, None] * tau * mu).sum(1) / tau_s
    mean, logvar = product_of_experts(t(mu), t(lv), t(alpha))
    np.testing.assert_allclose(mean.numpy(), mu_s, rtol=1e-12)
    np.testing.assert_allclose(logvar.numpy(), -np.log(tau_s), rtol=1e-12)
    # log-weight form agrees, and a zero-weight expert contributes nothing
    alpha[:, 1] = 0
    alpha /= alpha.sum(1, keepdims=True)
    mean0, logvar0 = product_of_experts(t(mu), t(lv), log_weights=torch.log(t(alpha)))
    mean_drop, logvar_drop = product_of_experts(t(mu[:, [0, 2]]), t(lv[:, [0, 2]]), t(alpha[:, [0, 2]]))
    np.testing.assert_allclose(mean0.numpy(), mean_drop.numpy(), rtol=1e-12)
    np.testing.assert_allclose(logvar0.numpy(), logvar_drop.numpy(), rtol=1e-12)


def test_product_of_experts_stable_for_confident_experts():
    means = t([[[1.0], [3.0]]])
    logvars = t([[[-800.0], [0.0]]])  # exp(800) overflows a naive implementation
    mean, logvar = product_of_experts(means, logvars, t([[0.5, 0.5]]))
    assert mean.item() == pytest.approx(1.0)
    assert np.isfinite(logvar.item())


def test_kl_matches_torch_distributions():
    mean, logvar = torch.randn(6, 5), torch.randn(6, 5)
    ref = torch.distributions.kl_divergence(
        torch.distributions.Normal(mean, torch.exp(0.5 * logvar)), torch.distributions.Normal(0.0, 1.0)
    ).sum(1)
    torch.testing.assert_close(kl_std_normal(mean, logvar), ref)


def test_gaussian_sq_error():
    x_hat, x, ls = torch.randn(4, 3), torch.randn(4, 3), torch.randn(3)
    ref = 0.5 * (((x_hat - x).numpy() / np.exp(ls.numpy())) ** 2).sum(1)
    np.testing.assert_allclose(gaussian_sq_error(x_hat, x, ls).numpy(), ref)


def test_sigma_prior_is_scaled_inverse_chi2():
    """Differences of the penalty equal differences of -log p(sigma^2) for
    sigma^2 ~ Scaled-Inv-chi2(nu, s) = InvGamma(nu / 2, scale = nu s / 2)."""
    nu, s = 10.0, 0.03
    sig = np.array([0.05, 0.1, 0.3, 1.2])
    pen = [sigma_prior_penalty(t([np.log(v)]), nu, s).item() for v in sig]
    nlp = [-stats.invgamma.logpdf(v**2, a=nu / 2, scale=nu * s / 2) for v in sig]
    np.testing.assert_allclose(np.diff(pen), np.diff(nlp), rtol=1e-10)


def test_sigma_prior_params():
    sigma_init = np.linspace(0.001, 0.5, 101)
    df, scale = sigma_prior_params(sigma_init)
    q = max(np.quantile(sigma_init, 0.10), 0.01)
    assert df == 10 and scale == pytest.approx(q**2 * stats.chi2.ppf(0.9, 10) / 10)
    # the floor applies, and the KIRC settings are parameters
    df, scale = sigma_prior_params(np.full(10, 1e-4), df=3, quantile=0.05, floor=1e-3, chi2_quantile=0.1)
    assert scale == pytest.approx(1e-6 * stats.chi2.ppf(0.1, 3) / 3)


def test_spike_slab_penalty():
    w = torch.randn(7, 3).abs()
    p = torch.rand(7, 3)
    ref = ((0.5 * p + 5.0 * (1 - p)) * w).sum()
    torch.testing.assert_close(spike_slab_penalty(w, p, lambda0=5.0, lambda1=0.5), ref)


def test_spike_slab_update_matches_reference_loop():
    rng = np.random.RandomState(1)
    W = np.abs(rng.normal(size=(50, 6)))
    theta = rng.uniform(size=6)
    l0, l1, a = 5.0, 0.5, 1.0
    b = 50 / 10
    pstar_ref = np.empty_like(W)
    theta_ref = np.empty_like(theta)
    for k in range(6):  # the reference's loop over factors, direct formula
        slab = theta[k] * np.exp(-l1 * W[:, k])
        spike = (1 - theta[k]) * np.exp(-l0 * W[:, k])
        pstar_ref[:, k] = slab / (slab + spike)
        theta_ref[k] = (pstar_ref[:, k].sum() + a - 1) / (a + b + 50 - 2)
    pstar, new_theta = spike_slab_update(t(W), t(theta), l0, l1, a, b)
    np.testing.assert_allclose(pstar.numpy(), pstar_ref, rtol=1e-10)
    np.testing.assert_allclose(new_theta.numpy(), theta_ref, rtol=1e-10)
    # no overflow for huge weights: p* -> 1 (the slab explains large |W|)
    pstar, _ = spike_slab_update(t([[1e4]]), t([0.5]), l0, l1, a, 0.1)
    assert pstar.item() == pytest.approx(1.0) and np.isfinite(pstar.item())


def _layer_norm(x, ln):
    m = x.mean(-1, keepdims=True)
    v = x.var(-1, keepdims=True)
    return (x - m) / np.sqrt(v + ln.eps) * ln.weight.detach().numpy() + ln.bias.detach().numpy()


def test_gating_network_matches_formula():
    gate = GatingNetwork(3, 4, hidden=5)
    for ln in gate.norms:
        torch.nn.init.normal_(ln.weight)
        torch.nn.init.normal_(ln.bias)
    means = torch.randn(6, 3, 4)
    normed = np.concatenate([_layer_norm(means[:, v].numpy(), gate.norms[v]) for v in range(3)], axis=1)
    l1, l2 = gate.net[0], gate.net[2]
    h = np.maximum(normed @ l1.weight.detach().numpy().T + l1.bias.detach().numpy(), 0)
    logits = h @ l2.weight.detach().numpy().T + l2.bias.detach().numpy()
    alpha = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    np.testing.assert_allclose(gate(means).exp().detach().numpy(), alpha, rtol=1e-10)
    # a missing omic gets weight exactly 0 and the others renormalise
    observed = torch.tensor([[True, False, True]] * 6)
    got = gate(means, observed).exp().detach().numpy()
    assert (got[:, 1] == 0).all()
    np.testing.assert_allclose(got.sum(1), 1.0)


def _poems_module(dims=(6, 4), K=3, objective="paper", **kwargs):
    sigma_init = [torch.rand(d) * 0.3 + 0.05 for d in dims]
    noises = []
    for s in sigma_init:
        df, scale = sigma_prior_params(s.numpy())
        noises.append(FeatureNoise(s, df, scale))
    return PoEVAE(
        [GaussianEncoder(d, K, (5,), dropout=0.0) for d in dims],
        [SparseDecoder(d, K, 7, dropout=0.0) for d in dims],
        noises,
        GatingNetwork(len(dims), K, 4),
        objective=objective,
        **{"beta": 1.0, **kwargs},
    )


@pytest.mark.parametrize("batch", [8, 5])
def test_paper_loss_matches_models_md(batch):
    """Every term of MODELS.md section 1, recomputed in numpy from the module's own
    forward pass (same reparameterisation noise)."""
    module = _poems_module()
    with torch.no_grad():
        for dec in module.decoders:
            dec.pstar.uniform_()
    xs = [torch.rand(batch, 6), torch.rand(batch, 4)]
    B_cfg = 8  # configured batch size used as the prior denominator
    gen = torch.Generator().manual_seed(5)
    loss = module.loss(xs, prior_batch_size=B_cfg, n_train=100, generator=gen)
    out = module(xs, generator=torch.Generator().manual_seed(5))
    mu, lv = out.mean.detach().numpy(), out.logvar.detach().numpy()
    total = 0.0
    for v, (x, x_hat, noise, dec) in enumerate(zip(xs, out.reconstructions, module.noises, module.decoders)):
        sig = np.exp(noise.log_sigma.detach().numpy())
        rec = 0.5 * np.mean(((x_hat.detach().numpy() - x.numpy()) / sig) ** 2)
        nu, s = noise.df, noise.scale
        # the batch's own size multiplies sum log sigma; the prior part uses B_cfg
        sigma_term = np.log(sig).sum() + ((nu + 2) * np.log(sig).sum() + 0.5 * nu * s * (sig**-2).sum()) / B_cfg
        W = dec.W.detach().numpy()
        p = dec.pstar.numpy()
        mask = (0.5 * p + 5.0 * (1 - p)) * np.abs(W)
        assert loss.terms[f"reconstruction/{v}"].item() == pytest.approx(rec, rel=1e-10)
        assert loss.terms[f"sigma/{v}"].item() == pytest.approx(sigma_term, rel=1e-10)
        assert loss.terms[f"sparsity/{v}"].item() == pytest.approx(mask.sum() / B_cfg, rel=1e-10)
        total += rec + sigma_term + mask.sum() / B_cfg
    kl = -0.5 * np.mean(1 + lv - mu**2 - np.exp(lv))
    assert loss.terms["kl"].item() == pytest.approx(kl, rel=1e-10)
    assert loss.total.item() == pytest.approx(total + kl, rel=1e-10)


def test_paper_sigma_term_with_full_batch_is_models_md_formula():
    """With batch == B_cfg: [(B + nu + 2) sum log sigma + 0.5 nu s sum sigma^-2] / B."""
    module = _poems_module()
    xs = [torch.rand(8, 6), torch.rand(8, 4)]
    loss = module.loss(xs, prior_batch_size=8, n_train=100)
    noise = module.noises[0]
    ls = noise.log_sigma.detach().numpy()
    ref = ((8 + noise.df + 2) * ls.sum() + 0.5 * noise.df * noise.scale * np.exp(-2 * ls).sum()) / 8
    assert loss.terms["sigma/0"].item() == pytest.approx(ref, rel=1e-10)


def test_elbo_objective_is_per_sample_negative_elbo():
    module = _poems_module(objective="elbo")
    xs = [torch.rand(8, 6), torch.rand(8, 4)]
    loss = module.loss(xs, prior_batch_size=8, n_train=100, generator=torch.Generator().manual_seed(1))
    out = module(xs, generator=torch.Generator().manual_seed(1))
    nll = 0.0
    prior = 0.0
    for x, x_hat, noise, dec in zip(xs, out.reconstructions, module.noises, module.decoders):
        sig = noise.log_sigma.exp().detach()
        nll += -torch.distributions.Normal(x_hat.detach(), sig).log_prob(x).sum(1).mean().item()
        prior += (noise.prior_penalty() + dec.penalty()).item() / 100
    kl = kl_std_normal(out.mean, out.logvar).mean().item()
    assert loss.total.item() == pytest.approx(nll + kl + prior, rel=1e-10)


def test_spike_slab_step_updates_buffers_in_place():
    dec = SparseDecoder(20, 3, 5)
    theta0 = dec.theta.clone()
    dec.update_spike_slab_()
    pstar, theta = spike_slab_update(dec.W.detach().abs(), theta0, 5.0, 0.5, 1.0, 2.0)
    torch.testing.assert_close(dec.pstar, pstar)
    torch.testing.assert_close(dec.theta, theta)


def test_row_normalize_mask():
    dec = SparseDecoder(5, 3, 4, row_normalize=True)
    m = dec.mask().detach().numpy()
    ref = np.abs(dec.W.detach().numpy()) + 1e-6
    np.testing.assert_allclose(m, ref / ref.sum(1, keepdims=True))


def test_elbo_with_one_sigma_per_omic():
    """noise='omic': one sigma shared by the features of an omic, counted per feature."""
    module = _poems_module(objective="elbo")
    for v, d in enumerate((6, 4)):
        module.noises[v] = FeatureNoise(torch.tensor([0.2 + 0.1 * v]), 10.0, 0.01, n_features=d)
    xs = [torch.rand(8, 6), torch.rand(8, 4)]
    loss = module.loss(xs, prior_batch_size=8, n_train=100, generator=torch.Generator().manual_seed(2))
    out = module(xs, generator=torch.Generator().manual_seed(2))
    for v, (x, x_hat) in enumerate(zip(xs, out.reconstructions)):
        nll = -torch.distributions.Normal(x_hat.detach(), 0.2 + 0.1 * v).log_prob(x).sum(1).mean().item()
        assert loss.terms[f"nll/{v}"].item() == pytest.approx(nll, rel=1e-10)


@pytest.mark.parametrize("objective", ["paper", "elbo"])
def test_kl_warmup_scales_kl_while_training_only(objective):
    """Epoch e of a warm-up of W epochs weighs the KL by beta * (e + 1) / W; evaluation by beta."""
    module = _poems_module(objective=objective, beta=2.0, kl_warmup=4)
    xs = [torch.rand(8, 6), torch.rand(8, 4)]
    check_kl_warmup(
        module,
        lambda: module.loss(xs, prior_batch_size=8, n_train=100, generator=torch.Generator().manual_seed(3)),
        2.0, 4, 1e-9,
    )


@pytest.mark.parametrize("objective", ["paper", "elbo"])
def test_reconstruction_monitor_is_sum_of_per_omic_mse(objective):
    """monitor="reconstruction": sum over omics of the observed blocks' mean squared error;
    the loss itself is unchanged."""
    module = _poems_module(objective=objective, monitor="reconstruction")
    reference = copy.deepcopy(module)
    reference.monitor = "loss"
    module.eval(), reference.eval()  # no dropout: the same forward pass in every call
    xs = [torch.rand(8, 6), torch.rand(8, 4)]
    observed = torch.tensor([[True, True]] * 5 + [[True, False]] * 3)
    xs[1][5:] = 0.0
    gen = lambda: torch.Generator().manual_seed(4)  # noqa: E731
    loss = module.loss(xs, observed, prior_batch_size=8, n_train=100, generator=gen())
    out = module(xs, observed, generator=gen())
    recs = [r.detach().numpy() for r in out.reconstructions]
    x0, x1 = xs[0].numpy(), xs[1].numpy()
    expected = ((recs[0] - x0) ** 2).mean() + ((recs[1][:5] - x1[:5]) ** 2).mean()
    assert loss.monitor.item() == pytest.approx(expected, rel=1e-6)
    same = reference.loss(xs, observed, prior_batch_size=8, n_train=100, generator=gen())
    assert loss.total.item() == pytest.approx(same.total.item(), rel=1e-12)


@pytest.mark.parametrize("n_sigma", ["feature", "omic"])
def test_closed_form_sigma_is_the_map_estimate(n_sigma):
    """sigma^2 = (n m + nu s) / (n + nu + 2) minimises n D' [0.5 m / sigma^2 + log sigma]
    plus the sigma prior penalty (D' = 1 per feature, D for one shared sigma)."""
    from scipy.optimize import minimize_scalar

    D, n = 5, 40
    init = torch.full((D,) if n_sigma == "feature" else (1,), 0.3)
    noise = FeatureNoise(init, 10.0, 0.004, n_features=D)
    mean_sq = torch.rand(D) * 0.05
    noise.closed_form_update_(mean_sq, 1.0, n)  # weight 1: the running mean is this batch's
    sigma = noise.log_sigma.exp().detach().numpy()
    for j in range(sigma.size):
        m = mean_sq[j].item() if n_sigma == "feature" else mean_sq.mean().item()
        n_eff = n if n_sigma == "feature" else n * D

        def neg_log_post(log_s, m=m, n_eff=n_eff):
            ls = torch.tensor([log_s])
            lik = n_eff * (0.5 * m * np.exp(-2 * log_s) + log_s)
            return lik + sigma_prior_penalty(ls, 10.0, 0.004).item()

        best = minimize_scalar(neg_log_post, bounds=(-8, 2), method="bounded", options={"xatol": 1e-10})
        assert np.log(sigma[j]) == pytest.approx(best.x, abs=1e-6)


def test_closed_form_sigma_running_mean_converges():
    """Repeated updates with the same residuals converge to the MAP of those residuals."""
    noise = FeatureNoise(torch.full((3,), 0.5), 10.0, 0.01)
    mean_sq = torch.tensor([0.01, 0.02, 0.04])
    for _ in range(200):
        noise.closed_form_update_(mean_sq, 0.1, 100)
    expected = (100 * mean_sq + 10 * 0.01) / 112
    torch.testing.assert_close(noise.log_sigma.detach().exp() ** 2, expected)


def test_elbo_sets_sigma_in_closed_form_after_each_step():
    """Under "elbo" sigma is no gradient parameter: after an optimiser step it equals the
    MAP estimate from the batch residuals; under "paper" it is learned by gradient."""
    assert all(n.log_sigma.requires_grad for n in _poems_module(objective="paper").noises)
    module = _poems_module(objective="elbo")
    assert not any(n.log_sigma.requires_grad for n in module.noises)
    xs = [torch.rand(10, 6), torch.rand(10, 4)]
    gen = torch.Generator().manual_seed(5)
    loss = module.loss(xs, prior_batch_size=10, n_train=10, generator=gen)
    out = module(xs, generator=torch.Generator().manual_seed(5))  # the same forward pass
    loss.total.backward()
    module.after_step_()
    for x, x_hat, noise in zip(xs, out.reconstructions, module.noises):
        m = ((x_hat.detach() - x) ** 2).mean(0)
        expected = (10 * m + noise.df * noise.scale) / (10 + noise.df + 2)
        torch.testing.assert_close(noise.log_sigma.detach().exp() ** 2, expected)


@pytest.mark.parametrize("n_sigma", ["feature", "omic"])
def test_closed_form_sigma_minimises_the_weighted_elbo(n_sigma):
    """With omic weights (omic_balance="omics") the closed-form sigma is still the
    minimum of the objective it belongs to: each omic's weighted NLL plus its sigma
    prior / n_train. After the update, the loss's gradient in log sigma is zero."""
    dims, n = (6, 4), 12
    module = _poems_module(dims, objective="elbo", omic_weights=[0.4, 2.5])
    if n_sigma == "omic":
        for noise, _d in zip(module.noises, dims):
            noise.log_sigma = torch.nn.Parameter(noise.log_sigma.detach()[:1].clone(), requires_grad=False)
            noise.running_mean_sq = noise.running_mean_sq[:1].clone()
    xs = [torch.rand(n, d) for d in dims]
    module.loss(xs, prior_batch_size=n, n_train=n, generator=torch.Generator().manual_seed(3))
    for noise in module.noises:  # the running mean becomes this batch's residuals
        noise.running_mean_sq.zero_()
    module.after_step_()
    for noise in module.noises:
        noise.log_sigma.requires_grad_(True)
    loss = module.loss(xs, prior_batch_size=n, n_train=n, generator=torch.Generator().manual_seed(3))
    grads = torch.autograd.grad(loss.total, [noise.log_sigma for noise in module.noises])
    for g in grads:
        torch.testing.assert_close(g, torch.zeros_like(g), atol=1e-5, rtol=0)


@pytest.mark.parametrize("name", ["POEMSTransformer", "POEMTransformer"])
def test_paper_config_builds_the_models_md_model(name):
    """The estimator with PAPER_CONFIG trains MODELS.md's model: the paper objective
    with beta 1, per-feature sigma initialised to the feature's std with the
    section-1 prior, no subset training, AdamW with the paper's best BRCA settings;
    its loss equals the paper loss of the module (checked term by term above)."""
    import skpoems
    from skpoems._losses import sigma_prior_params as prior_params

    cls = getattr(skpoems, name)
    rng = np.random.RandomState(0)
    Xs = [rng.rand(50, 6), rng.rand(50, 4)]
    est = cls(**skpoems.PAPER_CONFIG[name], n_components=3, max_iter=1, random_state=0)
    module = est._build_module(est._validate_omics(Xs, reset=True))
    assert module.objective == "paper" and module.beta == 1.0 and module.omic_dropout == 0.0
    assert not module.closed_form_sigma and module.omic_weights == [1.0, 1.0]
    assert est.batch_size == 512 and est._optimizer == "adamw"
    assert (est.learning_rate, est.weight_decay) == {"POEMSTransformer": (9e-4, 1e-4), "POEMTransformer": (7e-4, 3e-4)}[name]
    for noise, x in zip(module.noises, Xs):
        assert noise.log_sigma.numel() == x.shape[1] and noise.log_sigma.requires_grad
        np.testing.assert_allclose(noise.log_sigma.detach().exp().numpy(), x.std(axis=0), rtol=1e-6)
        assert (noise.df, noise.scale) == pytest.approx(prior_params(x.std(axis=0)))  # nu = 10, q = 0.10
    assert est.fit(Xs).module_.objective == "paper"


def test_mocss_sparse_vae_paper_config_and_defaults():
    """PAPER_CONFIG gives MOCSS-SparseVAE's specific branches MODELS.md's section-5
    loss (the paper objective, beta 1, per-feature sigma learned by gradient) and
    the paper's BRCA training settings; its defaults carry the objective study's
    lessons instead (the elbo, one sigma per omic set in closed form, beta
    D / (20 K), a smoothed monitor with the convergence test)."""
    import skpoems

    rng = np.random.RandomState(0)
    Xs = [rng.rand(50, 6), rng.rand(50, 4)]
    small = {"n_components": 3, "encoder_hidden": (8,), "max_iter": 1, "random_state": 0}
    cls = skpoems.MOCSSSparseVAETransformer
    paper = cls(**skpoems.PAPER_CONFIG["MOCSSSparseVAETransformer"], **small)
    module = paper._build_module(paper._validate_omics(Xs, reset=True))
    for branch, x in zip(module.specific, Xs):
        assert branch.objective == "paper" and branch.beta == 1.0 and not branch.closed_form_sigma
        noise = branch.noises[0]
        assert noise.log_sigma.numel() == x.shape[1] and noise.log_sigma.requires_grad
    assert (paper.batch_size, paper.learning_rate, paper.weight_decay) == (512, 7e-4, 5e-4)
    assert (paper.monitor_smoothing, paper.convergence_tol) == (0.0, None)

    default = cls(**small)
    module = default._build_module(default._validate_omics(Xs, reset=True))
    for branch, x in zip(module.specific, Xs):
        assert branch.objective == "elbo" and branch.closed_form_sigma
        assert branch.beta == pytest.approx(x.shape[1] / (20 * 3))
        assert branch.noises[0].log_sigma.numel() == 1  # one sigma for the omic
    assert (default.batch_size, default.learning_rate, default.weight_decay) == (128, 7e-4, 5e-4)
    assert (default.monitor_smoothing, default.convergence_tol) == (0.9, 1e-3)
    assert np.isfinite(default.fit(Xs).transform(Xs)).all()


@pytest.mark.parametrize("name", ["POEMSTransformer", "POEMTransformer", "MOCSSSparseVAETransformer"])
def test_paper_priors_divided_by_the_configured_batch_size(name, monkeypatch):
    """MODELS.md divides the paper objective's prior terms by the configured batch
    size B_cfg. Epochs use batches of equal size (560 training samples at batch
    512: two of 280), and the priors were divided by 280, 1.83 times the
    reference's weight; the validation loss used that size too."""
    import skpoems

    cls = getattr(skpoems, name)
    rng = np.random.RandomState(0)
    Xs = [rng.rand(30, 6), rng.rand(30, 4)]  # 24 training samples, 6 validation
    est = cls(**skpoems.PAPER_CONFIG[name], n_components=3, max_iter=2, random_state=0)
    est.set_params(batch_size=16)  # two batches of 12 per epoch
    seen = []
    target = PoEVAE if name != "MOCSSSparseVAETransformer" else MOCSS
    original = target.loss

    def spy(self, *args, **kwargs):
        seen.append((self.training, kwargs["prior_batch_size"]))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(target, "loss", spy)
    est.fit(Xs)
    assert est.batch_size_ == 12 and est.n_train_samples_ == 24
    assert {size for _, size in seen} == {16}
    assert any(training for training, _ in seen) and any(not training for training, _ in seen)
    # score keeps the fitted divisor: set_params without a refit changes nothing
    score = est.score(Xs)
    seen.clear()
    assert est.set_params(batch_size=4).score(Xs) == score and {size for _, size in seen} == {16}

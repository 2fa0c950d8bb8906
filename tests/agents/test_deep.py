"""The deep agents' shared machinery: the one-hot first layer, the per-cell MLP, FlatAdam
against torch.optim.Adam, the state tables acting reads, saving the optimiser's state, the
numpy action sampler and the transposed log-softmax."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from gridrl.agents import make_agent
from gridrl.agents.common.deep import FlatAdam, OneHotLinear, OneHotMLP, mlp
from gridrl.agents.common.policy import log_softmax, sample_actions
from gridrl.levels import load_level

S, H = 30, 16


def test_one_hot_linear_is_linear_on_one_hot_vectors():
    torch.manual_seed(0)
    layer = OneHotLinear(S, H)
    s = torch.tensor([3, 0, 29, 3])
    expected = nn.functional.linear(torch.eye(S)[s], layer.weight, layer.bias)
    torch.testing.assert_close(layer(s), expected)
    assert set(layer.state_dict()) == {"weight", "bias"} and layer.weight.shape == (H, S)


def test_one_hot_mlp_runs_once_per_cell_with_the_same_outputs_and_gradient():
    torch.manual_seed(0)
    net = mlp(S, 4, hidden=H, one_hot=True)
    assert isinstance(net, OneHotMLP)
    s = torch.as_tensor(np.random.default_rng(0).integers(S, size=OneHotMLP.DEDUPLICATE_ABOVE * 4))
    weights = torch.randn(len(s), 4)

    (net(s) * weights).sum().backward()  # deduplicated: len(s) > DEDUPLICATE_ABOVE
    deduplicated = [p.grad.clone() for p in net.parameters()]
    net.zero_grad()
    plain = nn.Sequential.forward(net, s)  # every row through the layers
    (plain * weights).sum().backward()

    torch.testing.assert_close(net(s), plain)
    for a, b in zip(deduplicated, [p.grad for p in net.parameters()]):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)  # summed in another order


def _problem(seed: int = 0) -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    torch.manual_seed(seed)
    net = mlp(5, 3, hidden=8)
    return net, torch.randn(64, 5), torch.randn(64, 3)


def test_flat_adam_takes_torch_adams_steps():
    """Same losses, same parameters as torch.optim.Adam (with clip_grad_norm_) after 50 steps."""
    ours, x, y = _problem()
    theirs, _, _ = _problem()
    flat = FlatAdam([ours], lr=0.01, eps=1e-5)
    adam = torch.optim.Adam(theirs.parameters(), lr=0.01, eps=1e-5)
    norms = []
    for _ in range(50):
        norm = flat.step(((ours(x) - y) ** 2).mean(), max_grad_norm=0.5)
        adam.zero_grad()
        ((theirs(x) - y) ** 2).mean().backward()
        expected_norm = nn.utils.clip_grad_norm_(theirs.parameters(), 0.5)
        adam.step()
        assert norm == pytest.approx(float(expected_norm), rel=1e-4)
        norms.append(norm)
    for a, b in zip(ours.parameters(), theirs.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)
    assert max(norms) > 0.5  # clipping was on in some of the steps compared


def test_flat_adam_state_round_trip_continues_the_same_steps():
    a, x, y = _problem()
    b, _, _ = _problem()
    opt_a = FlatAdam([a], lr=0.01)
    for _ in range(10):
        opt_a.step(((a(x) - y) ** 2).mean())
    b.load_state_dict(a.state_dict())
    opt_b = FlatAdam([b], lr=0.01)
    opt_b.load_state_dict(opt_a.state_dict())
    for _ in range(5):
        opt_a.step(((a(x) - y) ** 2).mean())
        opt_b.step(((b(x) - y) ** 2).mean())
    for p, q in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(p, q)


def test_acting_tables_follow_the_networks():
    """Acting reads pi and V from tables; after an update they hold the new networks' numbers."""
    agent = make_agent("actor-critic", load_level("four_rooms"), {"num_envs": 4, "num_steps": 4}, seed=0)
    states = np.arange(agent.n_states)
    with torch.no_grad():
        before = agent.actor.log_probs(agent.obs_all_t).double().numpy()
    np.testing.assert_allclose(agent.logp_table[states], before)
    agent.update()
    with torch.no_grad():
        after = agent.actor.log_probs(agent.obs_all_t).double().numpy()
        V = agent.critic(agent.obs_all_t).squeeze(1).double().numpy()
    assert np.abs(after - before).max() > 1e-4  # the update moved pi ...
    np.testing.assert_allclose(agent.logp_table[states], after)  # ... and the table followed
    np.testing.assert_allclose(agent.V_table[states], V)


@pytest.mark.parametrize("name", ["dqn", "ppo", "reinforce"])
def test_the_optimiser_state_is_saved_with_the_agent(name):
    level = load_level("corridor")
    agent = make_agent(name, level, {}, seed=0)
    for _ in range(3):
        agent.update()
    state = agent.state_dict()
    assert any(key.startswith("optimizer.") for key in state)
    fresh = make_agent(name, level, {}, seed=1)
    fresh.load_state_dict(state)
    for key, optimizer in agent.optimizers.items():
        saved, loaded = optimizer.state_dict(), fresh.optimizers[key].state_dict()
        assert int(loaded["t"]) == int(saved["t"]) > 0
        np.testing.assert_array_equal(loaded["m"], saved["m"])
        np.testing.assert_array_equal(loaded["v"], saved["v"])


def test_sample_actions_draws_each_action_with_its_probability():
    pi = np.array([[0.1, 0.2, 0.3, 0.4], [0.0, 0.5, 0.0, 0.5], [1.0, 0.0, 0.0, 0.0]])
    with np.errstate(divide="ignore"):
        logp = np.log(pi)
    rng = np.random.default_rng(0)
    n = 20_000
    draws = np.stack([sample_actions(rng, logp)[0] for _ in range(n)])  # (n, 3)
    for row in range(3):
        freq = np.bincount(draws[:, row], minlength=4) / n
        np.testing.assert_allclose(freq, pi[row], atol=4 * np.sqrt(0.25 / n))  # 4 standard errors
        assert (freq[pi[row] == 0] == 0).all()  # an action of probability 0 is never drawn
    actions, logp_a = sample_actions(rng, logp)
    np.testing.assert_array_equal(logp_a, logp[np.arange(3), actions])


@pytest.mark.parametrize("shape", [(2048, 4), (3, 5), (4,), (2, 3, 4)])
def test_log_softmax_matches_torch(shape):
    logits = torch.randn(shape, generator=torch.Generator().manual_seed(0)) * 5
    torch.testing.assert_close(log_softmax(logits), torch.log_softmax(logits, dim=-1))

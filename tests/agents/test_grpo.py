"""GRPO: the group-relative advantage, the KL estimator, the loss aggregations, learning.

The math is checked on hand-built numbers (advantages standardised within the group, or only
centred as in Dr. GRPO; a zero-signal group gives A = 0, D_KL >= 0 and unbiased for
KL(pi || pi_ref); 1/|o_i| weighs a short and a long episode equally, DAPO's per-step and
Dr. GRPO's constant normaliser do not; DAPO's asymmetric clip zeroes the gradient exactly on
the side that clips; beta = 0 keeps no reference); learning with fixed seeds: the greedy path
of corridor (8 steps) and of a non-slippery FrozenLake 4x4 (6 steps), the best arm of
"bernoulli_3". Then the units, masking, insight, determinism, save/load and validation.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import torch

from gridrl.agents import HyperparameterError, make_agent, make_config
from gridrl.agents.grpo import (
    GRPO,
    Config,
    aggregate,
    episode_mean,
    group_advantages,
    grpo_loss,
    kl_estimator,
)
from gridrl.levels import load_level, parse_level
from learning_helpers import frozen_lake_no_slip, greedy_path

UP, RIGHT, DOWN, LEFT = 0, 1, 2, 3
LEVELS = Path(__file__).resolve().parents[2] / "levels"

# Budgets (fixed seed 0). Every seed 0-9 met them when they were chosen, so they have slack.
CORRIDOR_UPDATES = 30  # groups of 16 episodes; seeds 0-9 all greedy-optimal by 30
FROZEN_UPDATES = 60  # groups of 16; early groups often all fall in holes: zero signal
BANDIT_STEPS = 30  # groups of 16 pulls; seeds 0-9 had pi(high) > 0.8 after at most 6


@cache
def trained(level_name: str, updates: int, seed: int = 0, **params):
    level = frozen_lake_no_slip() if level_name == "frozen" else load_level(level_name)
    agent = make_agent("grpo", level, params, seed=seed)
    events = [agent.update() for _ in range(updates)]
    return agent, events


# --------------------------------------------------------------------------- group advantages


def test_group_advantages_have_zero_mean_and_unit_std():
    R = np.random.default_rng(0).normal(0.3, 2.0, size=16)
    A, zero_signal = group_advantages(R)
    assert not zero_signal
    assert abs(A.mean()) < 1e-6
    assert abs(A.std() - 1.0) < 1e-6
    assert np.all(np.argsort(A) == np.argsort(R))  # better than the group <=> positive


def test_group_advantages_by_hand():
    # one success in four: mean 1/4, std sqrt(3)/4 -> A = sqrt(3) for it, -1/sqrt(3) for the rest
    A, zero_signal = group_advantages(np.array([1.0, 0.0, 0.0, 0.0]))
    assert not zero_signal
    r3 = math.sqrt(3)
    np.testing.assert_allclose(A, [r3, -1 / r3, -1 / r3, -1 / r3], rtol=1e-6)


def test_zero_std_group_gives_all_zero_advantages():
    for R in ([0.0] * 8, [0.1] * 5, [-3.7] * 2):
        A, zero_signal = group_advantages(np.array(R))
        assert zero_signal
        assert np.array_equal(A, np.zeros(len(R)))


def test_dr_grpo_advantages_are_only_centred():
    # Dr. GRPO: A_i = R_i - mean(R), no division by std(R) (mean 1/4 here)
    A, zero_signal = group_advantages(np.array([1.0, 0.0, 0.0, 0.0]), scale_by_std=False)
    assert not zero_signal
    np.testing.assert_array_equal(A, [0.75, -0.25, -0.25, -0.25])
    # the spread of the returns stays in A: doubling the returns doubles A (GRPO's would not move)
    A2, _ = group_advantages(np.array([2.0, 0.0, 0.0, 0.0]), scale_by_std=False)
    np.testing.assert_array_equal(A2, 2 * A)
    np.testing.assert_allclose(group_advantages(np.array([2.0, 0.0, 0.0, 0.0]))[0], group_advantages(
        np.array([1.0, 0.0, 0.0, 0.0]))[0], rtol=1e-7)  # fmt: skip
    A0, zero_signal = group_advantages(np.array([0.3] * 4), scale_by_std=False)
    assert zero_signal and np.array_equal(A0, np.zeros(4))


def test_agent_uses_unscaled_advantages_without_scale_by_std():
    agent = make_agent("grpo", load_level("corridor"), {"group_size": 4, "scale_by_std": False}, seed=3)
    event = agent.update()
    R = event.backup["R"]
    assert np.ptp(R) > 0  # a group with signal
    np.testing.assert_array_equal(event.backup["A"], R - R.mean())
    assert event.equation.startswith("A_i = R_i - mean R;")


def test_agent_reports_zero_signal_groups():
    # Cut every episode after 3 steps: corridor's goal is 8 away, so every R_i = 0.
    agent = make_agent("grpo", load_level("corridor"), {"group_size": 4, "max_episode_steps": 3}, seed=0)
    before = agent.insight().pi
    event = agent.update()
    assert event.info["zero_signal"] is True
    assert event.info["zero_signal_fraction"] == 1.0
    assert np.array_equal(event.backup["A"], np.zeros(4))
    assert np.array_equal(event.backup["lengths"], [3, 3, 3, 3])
    # With A = 0 and pi_ref = pi_old the surrogate and KL gradients vanish: pi barely moves.
    np.testing.assert_allclose(agent.insight().pi, before, atol=1e-4)


# --------------------------------------------------------------------------- the KL estimator


def test_kl_estimator_is_nonnegative_and_zero_when_policies_match():
    g = torch.Generator().manual_seed(0)
    logp = torch.log_softmax(3 * torch.randn(2000, 5, generator=g), dim=-1)
    logp_ref = torch.log_softmax(3 * torch.randn(2000, 5, generator=g), dim=-1)
    D = kl_estimator(logp, logp_ref)  # every action of every pair of distributions
    assert D.min() >= 0.0
    assert D.max() > 1.0  # the draws do differ
    assert torch.equal(kl_estimator(logp, logp.clone()), torch.zeros_like(logp))


def test_kl_estimator_is_unbiased_for_kl_pi_to_ref():
    pi = np.array([0.5, 0.3, 0.15, 0.05])
    pi_ref = np.array([0.1, 0.2, 0.3, 0.4])
    kl = float(np.sum(pi * np.log(pi / pi_ref)))  # KL(pi || pi_ref), about 0.66
    D = kl_estimator(torch.log(torch.as_tensor(pi)), torch.log(torch.as_tensor(pi_ref))).numpy()
    # exact expectation under a ~ pi ...
    assert float(np.sum(pi * D)) == pytest.approx(kl, abs=1e-12)
    # ... and the sample mean of the estimator over a ~ pi
    a = np.random.default_rng(1).choice(4, size=200_000, p=pi)
    samples = D[a]
    stderr = samples.std() / math.sqrt(len(samples))
    assert abs(samples.mean() - kl) < 4 * stderr
    # the reverse direction is a different number: the test can tell them apart
    kl_reverse = float(np.sum(pi_ref * np.log(pi_ref / pi)))
    assert abs(samples.mean() - kl_reverse) > 20 * stderr


# --------------------------------------------------------------------------- the objective


def test_each_episode_weighs_the_same_however_long():
    # Episode 0 runs 4 steps with A = +1, episode 1 one step with A = -1 (T = 4, G = 2).
    mask = torch.tensor([[1.0, 1.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0]])
    rho = torch.tensor([[1.1, 0.9], [1.3, 7.0], [0.95, 7.0], [1.0, 7.0]])  # 1.3 gets clipped
    logp_old = torch.log(torch.tensor([[0.25, 0.5], [0.4, 0.1], [0.2, 0.1], [0.3, 0.1]]))
    logp = logp_old + torch.log(rho)
    logp_ref = torch.log(torch.full((4, 2), 0.25))
    A = torch.tensor([1.0, -1.0]).expand(4, 2)
    eps, beta = 0.2, 0.1
    loss, info = grpo_loss(logp, logp_old, logp_ref, A, mask, (eps, eps), beta)

    def D(p, p_ref):  # pi_ref/pi - log(pi_ref/pi) - 1
        return p_ref / p - math.log(p_ref / p) - 1

    p = (logp.exp()).tolist()
    ep0 = [min(r * 1.0, min(max(r, 1 - eps), 1 + eps) * 1.0) - beta * D(p[t][0], 0.25)
           for t, r in enumerate([1.1, 1.3, 0.95, 1.0])]  # fmt: skip
    ep1 = [min(0.9 * -1.0, min(max(0.9, 1 - eps), 1 + eps) * -1.0) - beta * D(p[0][1], 0.25)]
    J = 0.5 * (sum(ep0) / 4 + sum(ep1) / 1)  # 1/G sum_i 1/|o_i| sum_t
    assert float(loss) == pytest.approx(-J, abs=1e-6)
    assert info["J"] == pytest.approx(J, abs=1e-6)
    # Averaging over all 5 steps instead would weigh episode 0 four times as much.
    assert abs(J - (sum(ep0) + sum(ep1)) / 5) > 0.05
    assert info["clip_fraction"] == pytest.approx(1 / 5)  # 1.3 of the 5 real steps
    # What sits in the masked (finished) slots does not matter.
    logp_junk = logp.clone()
    logp_junk[1:, 1] = -50.0
    loss_junk, _ = grpo_loss(logp_junk, logp_old, logp_ref, A, mask, (eps, eps), beta)
    assert float(loss_junk) == pytest.approx(float(loss), abs=1e-6)


def test_episode_mean_by_hand():
    x = torch.tensor([[2.0, 10.0], [4.0, 99.0]])
    mask = torch.tensor([[1.0, 1.0], [1.0, 0.0]])
    assert float(episode_mean(x, mask)) == pytest.approx(0.5 * (3.0 + 10.0))


# --------------------------------------------------------------------------- aggregations (line 11)


def _two_episode_group():
    """Episode 0 runs 1 step with A = +1, episode 1 runs 3 steps with A = -0.5 (T = 3, G = 2),
    known log-probs, rho inside [0.8, 1.2] (no clipping), and the per-step objective
    x_{i,t} = rho A_i - beta D by hand."""
    mask = torch.tensor([[1.0, 1.0], [0.0, 1.0], [0.0, 1.0]])
    p_old = [[0.5, 0.25], [0.3, 0.4], [0.3, 0.1]]
    rho = [[1.1, 0.9], [1.0, 1.15], [1.0, 0.85]]
    p_ref = 0.2
    logp_old = torch.log(torch.tensor(p_old))
    logp = logp_old + torch.log(torch.tensor(rho))
    A = torch.tensor([1.0, -0.5]).expand(3, 2)
    beta = 0.1

    def x(t, i):
        p = p_old[t][i] * rho[t][i]
        return rho[t][i] * [1.0, -0.5][i] - beta * (p_ref / p - math.log(p_ref / p) - 1)

    steps = [x(0, 0), x(0, 1), x(1, 1), x(2, 1)]
    return (logp, logp_old, torch.log(torch.full((3, 2), p_ref)), A, mask, beta), steps


@pytest.mark.parametrize("aggregation", ["sequence", "token", "constant"])
def test_each_aggregation_is_its_formula(aggregation):
    (logp, logp_old, logp_ref, A, mask, beta), (x00, x01, x11, x21) = _two_episode_group()
    L_max = 5
    J = {
        "sequence": 0.5 * (x00 / 1 + (x01 + x11 + x21) / 3),  # 1/G sum_i 1/|o_i| sum_t  (GRPO)
        "token": (x00 + x01 + x11 + x21) / 4,  # 1/sum_i |o_i| sum_i sum_t  (DAPO)
        "constant": (x00 + x01 + x11 + x21) / (2 * L_max),  # 1/(G L_max) sum_i sum_t  (Dr. GRPO)
    }[aggregation]
    loss, info = grpo_loss(logp, logp_old, logp_ref, A, mask, (0.2, 0.2), beta,
                           aggregation=aggregation, L_max=L_max)  # fmt: skip
    assert float(loss) == pytest.approx(-J, abs=1e-6)
    assert info["J"] == pytest.approx(J, abs=1e-6)
    assert info["clip_fraction"] == 0.0


def test_aggregations_weigh_steps_as_stated():
    """The length bias: d(-J)/d log pi at rho = 1 (no KL) is -A_i times the weight of a step.
    GRPO's sequence mean gives each of episode 1's three steps a third of episode 0's weight;
    token and constant weigh every step alike."""
    mask = torch.tensor([[1.0, 1.0], [0.0, 1.0], [0.0, 1.0]])
    A = torch.tensor([1.0, -1.0]).expand(3, 2)
    weights = {"sequence": (1 / 2, 1 / 6), "token": (1 / 4, 1 / 4), "constant": (1 / 10, 1 / 10)}
    for aggregation, (w0, w1) in weights.items():
        logp = torch.log(torch.full((3, 2), 0.25)).requires_grad_()
        loss, _ = grpo_loss(logp, logp.detach(), None, A, mask, (0.2, 0.2), 0.0, aggregation=aggregation, L_max=5)
        loss.backward()
        expected = torch.tensor([[-w0, w1], [0.0, w1], [0.0, w1]])
        torch.testing.assert_close(logp.grad, expected, rtol=1e-6, atol=1e-7)


def test_aggregate_refuses_an_unknown_way():
    with pytest.raises(ValueError, match="sequence, token, constant"):
        aggregate(torch.ones(2, 2), torch.ones(2, 2), "mean")


def test_constant_aggregation_divides_by_the_sampling_cap():
    assert make_agent("grpo", load_level("corridor"), {"max_episode_steps": 20}, seed=0).L_max == 20
    corridor = load_level("corridor")
    assert make_agent("grpo", corridor, {}, seed=0).L_max == corridor.max_steps
    assert make_agent("grpo", load_level("bernoulli_3"), {}, seed=0).L_max == 1  # an answer is one pull


# --------------------------------------------------------------------------- asymmetric clipping (DAPO)


def test_clip_range_defaults_to_clip_coef():
    assert make_config(Config, {}).clip_range == (0.2, 0.2)
    assert make_config(Config, {"clip_coef": 0.3}).clip_range == (0.3, 0.3)
    assert make_config(Config, {"clip_high": 0.28}).clip_range == (0.2, 0.28)
    assert make_config(Config, {"clip_coef": 0.1, "clip_low": 0.05}).clip_range == (0.05, 0.1)


def test_asymmetric_clip_zeroes_the_gradient_exactly_on_the_clipping_side():
    eps_low, eps_high = 0.1, 0.3  # rho kept in [0.9, 1.3]
    rho = torch.tensor([0.5, 0.85, 0.95, 1.0, 1.2, 1.29, 1.35, 2.0])
    for sign in (1.0, -1.0):
        A = torch.full((1, len(rho)), sign)
        logp_old = torch.log(torch.full((1, len(rho)), 0.2))
        logp = (logp_old + torch.log(rho)).requires_grad_()
        loss, info = grpo_loss(logp, logp_old, None, A, torch.ones(1, len(rho)), (eps_low, eps_high), 0.0)
        loss.backward()
        g = logp.grad[0]
        # min(rho A, clip(rho) A) takes the clipped (constant) term only when clipping lowers it:
        # A > 0 above 1 + eps_high, A < 0 below 1 - eps_low. Elsewhere d/d log pi = -rho A / G.
        flat = (rho > 1 + eps_high) if sign > 0 else (rho < 1 - eps_low)
        assert torch.equal(g[flat], torch.zeros(int(flat.sum())))
        torch.testing.assert_close(g[~flat], -(rho * sign / len(rho))[~flat])
        assert info["clip_fraction"] == pytest.approx(4 / 8)  # 0.5, 0.85, 1.35 and 2.0 left the range
    # symmetric eps = 0.1 would have clipped 1.2 and 1.29 too: clip-higher lets them grow
    logp = (torch.log(torch.full((1, 8), 0.2)) + torch.log(rho)).requires_grad_()
    grpo_loss(logp, torch.log(torch.full((1, 8), 0.2)), None, torch.ones(1, 8), torch.ones(1, 8), (0.1, 0.1),
              0.0)[0].backward()  # fmt: skip
    assert torch.equal(logp.grad[0] == 0, rho > 1.1)


def test_agent_reports_clipping_against_both_bounds():
    agent = make_agent("grpo", load_level("corridor"), {"group_size": 4, "clip_low": 0.05, "clip_high": 0.5}, seed=3)
    backup = agent.update().backup
    rho = backup["rho"]
    assert (backup["clip_low"], backup["clip_high"]) == (0.05, 0.5)
    np.testing.assert_array_equal(backup["clipped"], (rho < 0.95) | (rho > 1.5))


# --------------------------------------------------------------------------- beta = 0: no reference


def test_beta_zero_keeps_no_reference_and_reports_no_kl():
    agent = make_agent("grpo", load_level("corridor"), {"group_size": 4, "beta": 0.0}, seed=0)
    assert agent.ref_policy is None
    assert list(agent.networks()) == ["policy"]
    event = agent.update()
    assert "kl_ref" not in event.info  # absent, not 0: nothing was computed
    assert "beta" not in event.equation and "D_KL" not in event.equation
    assert not any(key.startswith("ref_policy.") for key in agent.state_dict())
    with_ref = make_agent("grpo", load_level("corridor"), {"group_size": 4}, seed=0)
    assert with_ref.ref_policy is not None and "kl_ref" in with_ref.update().info
    # The loss without a reference is the loss with one and beta = 0.
    (logp, logp_old, logp_ref, A, mask, _), _ = _two_episode_group()
    without, info = grpo_loss(logp, logp_old, None, A, mask, (0.2, 0.2), 0.0)
    assert float(without) == float(grpo_loss(logp, logp_old, logp_ref, A, mask, (0.2, 0.2), 0.0)[0])
    assert "kl_ref" not in info


# --------------------------------------------------------------------------- learning


def test_learns_corridor_greedy_path():
    agent, events = trained("corridor", CORRIDOR_UPDATES)
    path = greedy_path(agent)
    assert path == list(range(9)), path  # 8 steps right, S to G
    assert events[-1].info["mean_return"] > 0.9**10  # most of the last group is (near) optimal


def test_learns_frozen_lake_without_slip():
    agent, events = trained("frozen", FROZEN_UPDATES)
    path = greedy_path(agent)
    assert path is not None and len(path) - 1 == 6, path
    assert path[-1] == 15  # the goal, not a hole
    # GRPO's weakness with sparse outcomes: some groups all failed and taught nothing.
    assert any(e.info["zero_signal"] for e in events[:10])
    assert events[-1].info["mean_return"] > 0.8


def test_learns_best_bandit_arm():
    agent = make_agent("grpo", load_level("bernoulli_3"), {}, seed=0)
    for _ in range(BANDIT_STEPS):
        event = agent.step()
        assert event.info["updated"]  # a group is one pull of each of G copies
    assert agent.insight().pi[0, 2] > 0.8
    np.testing.assert_allclose(agent.insight().extras["true_means"], [0.2, 0.5, 0.8])
    assert event.curves["optimal_fraction"][0] > 0.8  # the last group pulled "high" mostly


# --------------------------------------------------------------------------- units, insight


def test_update_event_carries_the_group():
    agent = make_agent("grpo", load_level("corridor"), {"group_size": 4}, seed=3)
    first = agent.step()
    assert first.steps == 4 and not first.info.get("updated")
    event = agent.update()
    info, backup = event.info, event.backup
    assert info["updated"] and info["group_size"] == 4
    keys = ("mean_return", "return_std", "clip_fraction", "kl_ref", "entropy", "zero_signal_fraction", "loss")
    for key in keys:
        assert np.isfinite(info[key]), key
    R, lengths = backup["R"], backup["lengths"]
    # Masking: exactly the G episodes of the group were reported, with the group's lengths,
    # and their discounted returns (reward +1 at the goal) are gamma^(length - 1).
    assert sorted(n for _, n in event.episodes) == sorted(lengths.tolist())
    np.testing.assert_allclose(R, 0.9 ** (lengths - 1.0))
    np.testing.assert_allclose(backup["A"], group_advantages(R)[0])
    assert len(backup["rho"]) == lengths[0] and backup["clipped"].dtype == bool
    assert agent.visits.sum() == lengths.sum()  # steps of finished copies are not counted
    ins = agent.insight()
    assert np.isnan(ins.V).all() and np.isnan(ins.Q).all()
    np.testing.assert_allclose(ins.pi.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_array_equal(ins.extras["group_returns"], R)
    np.testing.assert_array_equal(ins.extras["group_advantages"], backup["A"])
    assert np.array_equal(agent.states, np.zeros(4))  # the next group starts at S


def test_each_group_starts_at_one_sampled_start_cell():
    level = parse_level("kind: gridworld\nlayout: |\n  S..G\n  ...S\n", source="<two starts>")
    agent = make_agent("grpo", level, {"group_size": 3}, seed=0)
    starts = set()
    for _ in range(20):  # a fair coin misses a side in 20 tosses with chance 2^-19
        assert np.all(agent.states == agent.s0)  # all G copies at the group's start s_0
        starts.add(agent.update().info["start_state"])
    assert starts == {0, 7}


def test_reference_policy_refresh():
    level = load_level("corridor")
    never = make_agent("grpo", level, {"group_size": 4, "ref_update": 0}, seed=0)
    initial = {k: v.clone() for k, v in never.policy.state_dict().items()}
    for _ in range(3):
        never.update()
    for k, v in never.ref_policy.state_dict().items():
        assert torch.equal(v, initial[k])  # pi_ref stays the initial policy
    every = make_agent("grpo", level, {"group_size": 4, "ref_update": 1, "update_epochs": 1}, seed=0)
    every.update()
    event = every.update()
    assert event.info["kl_ref"] == 0.0  # pi_ref <- pi = pi_old just before the only epoch
    assert never.update().info["kl_ref"] > 0.0


# --------------------------------------------------------------------------- determinism, save, config


def test_same_seed_same_numbers():
    def run(seed):
        agent = make_agent("grpo", frozen_lake_no_slip(), {"group_size": 6}, seed=seed)
        events = [agent.update() for _ in range(4)]
        return agent.insight().pi, [e.info["loss"] for e in events], [e.backup["R"].tolist() for e in events]

    pi_a, loss_a, R_a = run(7)
    pi_b, loss_b, R_b = run(7)
    assert np.array_equal(pi_a, pi_b) and loss_a == loss_b and R_a == R_b
    assert not np.array_equal(run(8)[0], pi_a)


def test_state_dict_round_trip():
    agent, _ = trained("frozen", FROZEN_UPDATES)
    state = agent.state_dict()
    fresh = make_agent("grpo", frozen_lake_no_slip(), {}, seed=123)
    assert not np.allclose(fresh.insight().pi, agent.insight().pi)
    fresh.load_state_dict(state)
    np.testing.assert_array_equal(fresh.insight().pi, agent.insight().pi)
    for key, value in fresh.state_dict().items():
        np.testing.assert_array_equal(value, state[key])  # ref_policy too
    with pytest.raises(KeyError):
        fresh.load_state_dict({"critic.0.weight": np.zeros(1)})


@pytest.mark.parametrize(
    "params",
    [
        {"group_size": 1}, {"group_size": 2.5}, {"lr": 0}, {"clip_coef": 0}, {"clip_coef": 1.5},
        {"beta": -0.1}, {"ref_update": -1}, {"update_epochs": 0}, {"max_episode_steps": 0},
        {"ent_coef": -1}, {"hidden": 0}, {"obs": "pixels"}, {"gamma": 1.2}, {"group_sise": 8},
        {"aggregation": "mean"}, {"clip_low": 0}, {"clip_low": 1.5}, {"clip_high": 0}, {"clip_high": -0.1},
    ],
)  # fmt: skip
def test_bad_hyperparameters_refused(params):
    with pytest.raises(HyperparameterError):
        make_agent("grpo", load_level("corridor"), params)


def test_registry_and_spec():
    from gridrl.agents import agent_class

    assert agent_class("grpo") is GRPO
    names = [h.name for h in GRPO.spec()]
    for name in ("group_size", "lr", "clip_coef", "clip_low", "clip_high", "scale_by_std", "aggregation", "beta",
                 "ref_update", "update_epochs", "max_episode_steps"):
        assert name in names
    assert all(h.help for h in GRPO.spec())

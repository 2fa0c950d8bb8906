"""PPO against its paper and the course notes.

The clipped objective's gradient is zero exactly where the notes' table says (checked with
autograd on hand-made ratios); kl-penalty's beta moves the way the paper's rule says; the
unconstrained objective is mean rho A; approx_kl is a non-negative, unbiased KL estimator.
Small fixed-seed runs reach the optimal greedy path on "corridor" (8 steps) and on a
slip-free FrozenLake 4x4 (6 steps) and the best arm of "bernoulli_3". Truncation
bootstraps; determinism, save/load, validation.
"""

from __future__ import annotations

import textwrap
from functools import cache

import numpy as np
import pytest
import torch

from gridrl.agents import HyperparameterError, make_agent
from gridrl.agents.common.onpolicy import Samples
from gridrl.agents.common.policy import approx_kl, categorical_kl
from gridrl.agents.ppo import PPO, adapt_beta, ppo_loss
from gridrl.levels import load_level, parse_level
from learning_helpers import frozen_lake_no_slip, greedy_path_length

UP, RIGHT, DOWN, LEFT = 0, 1, 2, 3
EPS = 0.2

# Learning budgets (updates of num_envs * num_steps = 32 * 64 = 2048 steps each, seed 0).
# Seed 0's greedy policy is first optimal after 2 (corridor) and 3 (frozen lake) updates; on
# the bandit pi(best arm) first passes 0.8 after 5. The corridor's *sampling* policy takes
# longer: 57% of its episodes take the 8 steps after 9 updates, 79% after 12.
BATCH = 32 * 64
CORRIDOR_UPDATES = 14  # 28,672 steps
FROZEN_UPDATES = 6  # 12,288 steps
BANDIT_UPDATES = 8  # 16,384 pulls


@cache
def trained(level_name: str, updates: int, seed: int = 0, **params):
    level = frozen_lake_no_slip() if level_name == "frozen_lake_no_slip" else load_level(level_name)
    agent = make_agent("ppo", level, dict(params), seed=seed)
    events = [agent.update() for _ in range(updates)]
    return agent, events


def samples(logp_old: torch.Tensor, actions: torch.Tensor, A_hat: torch.Tensor, logp_old_all=None) -> Samples:
    """A hand-made minibatch; without ``logp_old_all`` the exact KL is meaningless (unused by clip)."""
    n = len(actions)
    return Samples(
        actions=actions, logp_old=logp_old,
        logp_old_all=logp_old_all if logp_old_all is not None else torch.zeros(n, 1),
        A_hat=A_hat, returns=torch.zeros(n), V_old=torch.zeros(n),
    )  # fmt: skip


# --------------------------------------------------------------------------- the surrogate


def test_clip_gradient_is_zero_exactly_where_the_notes_table_says():
    # One sample per row of the table: (A_hat, rho). Each sample has its own state, 2 actions.
    cases = [(+1.0, 1.5), (+1.0, 1.1), (+1.0, 0.5), (-1.0, 1.5), (-1.0, 0.9), (-1.0, 0.5), (+2.0, 0.79), (-2.0, 1.21)]
    A_hat = torch.tensor([a for a, _ in cases], dtype=torch.float64)
    rho_target = torch.tensor([r for _, r in cases], dtype=torch.float64)
    logits = torch.tensor(np.random.default_rng(0).normal(size=(len(cases), 2)), requires_grad=True)
    actions = torch.zeros(len(cases), dtype=torch.long)
    with torch.no_grad():
        logp_old = torch.log_softmax(logits, -1)[:, 0] - torch.log(rho_target)  # so that rho = rho_target
    loss, info = ppo_loss(logits, torch.zeros(len(cases)), samples(logp_old, actions, A_hat),
                          objective="clip", clip_coef=EPS, vf_coef=0.0, ent_coef=0.0)  # fmt: skip
    (grad,) = torch.autograd.grad(-loss, logits)  # gradient of L = -loss
    # grad(rho_t) * A_t / n, the unclipped term's gradient, row by row
    rho = torch.exp(torch.log_softmax(logits, -1)[:, 0] - logp_old)
    assert torch.allclose(rho, rho_target)
    expected = torch.zeros_like(grad)
    for t, (a, r) in enumerate(cases):
        (grad_rho,) = torch.autograd.grad(rho[t], logits, retain_graph=True)
        zeroed = (a > 0 and r > 1 + EPS) or (a < 0 and r < 1 - EPS)
        expected += 0.0 if zeroed else grad_rho * a / len(cases)
    assert torch.allclose(grad, expected, atol=1e-12)
    zero_rows = grad.abs().sum(1) == 0
    assert zero_rows.tolist() == [True, False, False, False, False, True, False, False]
    assert info["clip_active_fraction"] == pytest.approx(2 / 8)
    assert info["clip_fraction"] == pytest.approx(6 / 8)  # |rho - 1| > eps, CleanRL's definition
    assert info["ratio_min"] == pytest.approx(0.5) and info["ratio_max"] == pytest.approx(1.5)


def test_clip_gradient_wrt_log_prob_is_rho_A_inside_the_range():
    logp = torch.full((4,), np.log(0.5), dtype=torch.float64, requires_grad=True)
    # two logits whose softmax is (pi, 1 - pi): log_softmax(logits)[:, 0] is logp itself
    logits = torch.stack([logp, torch.log1p(-logp.exp())], dim=1)
    rho = torch.tensor([0.9, 1.0, 1.1, 1.3], dtype=torch.float64)
    A_hat = torch.tensor([0.5, -1.0, 2.0, 1.0], dtype=torch.float64)
    mb = samples(logp.detach() - torch.log(rho), torch.zeros(4, dtype=torch.long), A_hat)
    loss, _ = ppo_loss(logits, torch.zeros(4), mb, objective="clip", clip_coef=EPS, vf_coef=0.0, ent_coef=0.0)
    (grad,) = torch.autograd.grad(-loss, logp)
    # d rho / d log pi = rho: inside the range the gradient is rho A / n; the last is clipped.
    assert torch.allclose(grad, torch.tensor([0.9 * 0.5, -1.0, 1.1 * 2.0, 0.0], dtype=torch.float64) / 4)


def test_objective_none_is_mean_rho_A_and_kl_penalty_subtracts_beta_kl():
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(16, 3, generator=g, dtype=torch.float64, requires_grad=True)
    logits_old = logits.detach() + 0.3 * torch.randn(16, 3, generator=g, dtype=torch.float64)
    logp_old_all = torch.log_softmax(logits_old, -1)
    actions = torch.randint(0, 3, (16,), generator=g)
    A_hat = torch.randn(16, generator=g, dtype=torch.float64)
    mb = samples(logp_old_all.gather(1, actions[:, None]).squeeze(1), actions, A_hat, logp_old_all)
    rho = torch.exp(torch.log_softmax(logits, -1).gather(1, actions[:, None]).squeeze(1) - mb.logp_old)
    kl = categorical_kl(logp_old_all, torch.log_softmax(logits, -1)).mean()
    loss_none, _ = ppo_loss(logits, torch.zeros(16), mb, objective="none", vf_coef=0.0, ent_coef=0.0)
    loss_kl, info = ppo_loss(logits, torch.zeros(16), mb, objective="kl-penalty", beta=3.0, vf_coef=0.0, ent_coef=0.0)
    loss_clip, _ = ppo_loss(logits, torch.zeros(16), mb, objective="clip", vf_coef=0.0, ent_coef=0.0)
    assert loss_none.item() == pytest.approx(-(rho * A_hat).mean().item(), rel=1e-12)
    assert loss_kl.item() == pytest.approx(-(rho * A_hat).mean().item() + 3.0 * kl.item(), rel=1e-12)
    assert info["kl"] == pytest.approx(kl.item()) and kl.item() > 0
    assert loss_clip.item() >= loss_none.item() - 1e-12  # the clipped L is a lower bound of L^CPI
    # the exact KL over actions: sum_a pi_old (log pi_old - log pi)
    p_old, p = logp_old_all.exp(), torch.softmax(logits, -1)
    assert kl.item() == pytest.approx((p_old * (p_old / p).log()).sum(1).mean().item(), rel=1e-10)


def test_value_loss_clipping():
    V = torch.tensor([1.0, 0.0])
    mb = Samples(torch.zeros(2, dtype=torch.long), torch.zeros(2), torch.zeros(2, 1), torch.zeros(2),
                 returns=torch.tensor([2.0, 0.5]), V_old=torch.tensor([0.5, 0.0]))  # fmt: skip
    logits = torch.zeros(2, 1)
    _, plain = ppo_loss(logits, V, mb, clip_vloss=False, vf_coef=1.0, ent_coef=0.0)
    _, clipped = ppo_loss(logits, V, mb, clip_vloss=True, clip_coef=EPS, vf_coef=1.0, ent_coef=0.0)
    assert plain["value_loss"] == pytest.approx(0.5 * (1.0**2 + 0.5**2) / 2)
    # sample 0: V moved 0.5 from V_old but the clip allows 0.2: max((1-2)^2, (0.7-2)^2) = 1.69
    assert clipped["value_loss"] == pytest.approx(0.5 * (1.69 + 0.25) / 2)


def test_adaptive_beta_follows_the_paper_rule():
    assert adapt_beta(1.0, kl=0.001, target_kl=0.01) == 0.5  # KL < target / 1.5: halve
    assert adapt_beta(1.0, kl=0.1, target_kl=0.01) == 2.0  # KL > target * 1.5: double
    assert adapt_beta(1.0, kl=0.01, target_kl=0.01) == 1.0  # in between: keep
    assert adapt_beta(1.0, kl=0.0149, target_kl=0.01) == 1.0 and adapt_beta(1.0, 0.0067, 0.01) == 1.0


@pytest.mark.parametrize("target_kl, direction", [(1e-7, 2.0), (10.0, 0.5)])
def test_kl_penalty_agent_adapts_beta_after_an_update(target_kl, direction):
    agent = make_agent("ppo", load_level("corridor"), {"objective": "kl-penalty", "target_kl": target_kl}, seed=0)
    info = agent.update().info
    assert info["beta"] == 1.0
    assert agent.beta == info["beta_next"] == direction  # a real update moves KL far from 1e-7 and 10
    assert 1e-7 < info["kl"] < 10.0 / 1.5


def test_approx_kl_is_nonnegative_zero_at_pi_old_and_estimates_the_kl():
    g = torch.Generator().manual_seed(0)
    logits_old = torch.randn(1, 4, generator=g)
    logp_old_all = torch.log_softmax(logits_old, -1)
    actions = torch.multinomial(logp_old_all.exp().expand(40_000, 4), 1, generator=g).squeeze(1)
    logp_old = logp_old_all[0, actions]
    # pi == pi_old: every rho is 1 and approx_kl is 0
    _, info = ppo_loss(logits_old.expand(40_000, 4), torch.zeros(40_000),
                       samples(logp_old, actions, torch.ones(40_000), logp_old_all.expand(40_000, 4)))  # fmt: skip
    assert info["approx_kl"] == 0.0 and info["ratio_min"] == info["ratio_max"] == 1.0
    # pi != pi_old: every term is >= 0, and the mean over samples of pi_old estimates KL(pi_old || pi)
    logits = logits_old + torch.tensor([[1.0, -0.5, 0.0, 0.3]])
    log_rho = torch.log_softmax(logits, -1)[0, actions] - logp_old
    assert float(approx_kl(log_rho[:1])) >= 0 and all(float(approx_kl(x[None])) >= 0 for x in log_rho[:200])
    exact = float(categorical_kl(logp_old_all, torch.log_softmax(logits, -1)))
    assert float(approx_kl(log_rho)) == pytest.approx(exact, rel=0.05)
    assert float(approx_kl(torch.tensor([1e-9, -1e-9, 1e-12]))) >= 0.0  # no rounding below zero


# --------------------------------------------------------------------------- the agent


def test_update_reports_its_diagnostics_and_the_backup_of_env_0():
    agent, events = trained("corridor", 2)
    event = events[-1]
    assert event.unit == "update" and event.steps == BATCH and event.info["updated"] is True
    for key in ("clip_fraction", "approx_kl", "ratio_min", "ratio_max", "entropy", "explained_variance",
                "policy_loss", "value_loss", "kl", "epochs"):  # fmt: skip
        assert np.isfinite(event.info[key]), key
    assert event.info["ratio_min"] <= 1.0 <= event.info["ratio_max"]
    assert 0 < event.info["entropy"] <= np.log(4) and event.info["epochs"] == 4
    b = event.backup
    assert {"s", "a", "rho", "A_hat", "clip_active", "eps"} <= set(b)
    assert b["clip_active"] == ((b["A_hat"] > 0 and b["rho"] > 1 + EPS) or (b["A_hat"] < 0 and b["rho"] < 1 - EPS))
    # rho is pi_theta / pi_old of that transition, measured after the update
    assert b["s"] == agent.rollout.states[-1, 0] and b["a"] == agent.rollout.actions[-1, 0]
    pi_new = agent.insight().pi[b["s"], b["a"]]
    assert b["rho"] == pytest.approx(pi_new / np.exp(agent.rollout.logp[-1, 0]), rel=1e-5)
    assert "clip" in event.equation


def test_insight_is_pi_and_V_for_every_cell():
    agent, _ = trained("corridor", 2)
    ins = agent.insight()
    assert ins.pi.shape == (9, 4) and ins.V.shape == (9,)
    assert np.allclose(ins.pi.sum(1), 1.0) and (ins.pi > 0).all()
    assert np.isnan(ins.Q).all() and ins.visits.sum() == 2 * BATCH


def test_kl_early_stop_ends_the_epochs():
    agent = make_agent("ppo", load_level("corridor"), {"kl_early_stop": True, "target_kl": 1e-6, "update_epochs": 8},
                       seed=0)  # fmt: skip
    info = agent.update().info
    assert info["stopped_early"] is True and info["epochs"] < 8
    agent = make_agent("ppo", load_level("corridor"), {"update_epochs": 8}, seed=0)
    assert agent.update().info["epochs"] == 8


def test_truncation_bootstraps_from_the_state_it_was_cut_in():
    level = parse_level(textwrap.dedent("""
        kind: gridworld
        name: one step
        layout: |
          ...
          .S.
          ..G
        dynamics: {gamma: 0.9, max_steps: 1}
    """))  # fmt: skip
    agent = make_agent("ppo", level, {"num_envs": 1, "num_steps": 5}, seed=0)
    event = agent.step()  # every move leaves S, and the one step ends the episode by truncation
    cut_in, start = event.next_state, 4
    assert event.done and cut_in != start and agent.states[0] == start
    assert agent.rollout.truncated[0, 0] and not agent.rollout.terminated[0, 0]
    V = agent.V_table[np.array([cut_in, start])]
    assert agent.rollout.final_values[0, 0] == pytest.approx(V[0]) and V[0] != pytest.approx(V[1])


def test_a_bandit_pull_is_a_one_step_episode_and_feeds_the_bandit_curves():
    agent = make_agent("ppo", load_level("bernoulli_3"), {"num_steps": 8}, seed=0)
    events = [agent.step() for _ in range(3)]
    assert agent.rollout.terminated[:3].all() and not agent.rollout.truncated[:3].any()
    for t, event in enumerate(events):  # the mean reward and the share of pulls of arm 2 (p = 0.8)
        assert event.curves["mean_reward"] == pytest.approx([agent.rollout.rewards[t].mean()])
        assert event.curves["optimal_fraction"] == pytest.approx([np.mean(agent.rollout.actions[t] == 2)])
    update = agent.update()  # the curves keep one point per step inside longer units
    assert len(update.curves["mean_reward"]) == 5 and update.info["updated"]


# --------------------------------------------------------------------------- learning


def test_learns_the_corridor():
    agent, events = trained("corridor", CORRIDOR_UPDATES)
    assert greedy_path_length(agent) == 8
    assert sum(e.steps for e in events) == CORRIDOR_UPDATES * BATCH
    lengths = [n for _, n in events[-1].episodes]  # pi still samples: most, not all, take 8 steps
    assert lengths and np.mean(np.array(lengths) == 8) > 0.7


def test_learns_frozen_lake_without_slip():
    agent, _ = trained("frozen_lake_no_slip", FROZEN_UPDATES)
    assert greedy_path_length(agent) == 6


def test_finds_the_best_bernoulli_arm():
    agent, _ = trained("bernoulli_3", BANDIT_UPDATES)
    pi = agent.insight().pi
    assert pi.shape == (1, 3) and pi[0, 2] > 0.8
    assert agent.insight().V[0] == pytest.approx(0.8, abs=0.15)  # the critic learns the mean pull


# --------------------------------------------------------------------------- determinism, save, validation


def test_same_seed_same_numbers():
    def run(seed):
        agent = make_agent("ppo", load_level("corridor"), {"objective": "kl-penalty"}, seed=seed)
        infos = [agent.update().info for _ in range(2)]
        return agent.insight(), infos

    (a, infos_a), (b, infos_b), (c, _) = run(3), run(3), run(4)
    assert np.array_equal(a.pi, b.pi) and np.array_equal(a.V, b.V) and infos_a == infos_b
    assert not np.array_equal(a.pi, c.pi)


def test_state_dict_round_trip():
    agent = make_agent("ppo", load_level("corridor"), {"objective": "kl-penalty"}, seed=0)
    for _ in range(2):
        agent.update()
    state = agent.state_dict()
    assert all(isinstance(v, (np.ndarray, int, float)) for v in state.values())
    other = make_agent("ppo", load_level("corridor"), {"objective": "kl-penalty"}, seed=9)
    assert not np.array_equal(other.insight().pi, agent.insight().pi)
    other.load_state_dict(state)
    assert np.array_equal(other.insight().pi, agent.insight().pi)
    assert np.array_equal(other.insight().V, agent.insight().V)
    assert other.beta == agent.beta != 1.0 and other.updates_done == 2


@pytest.mark.parametrize("params", [
    {"clip_coef": 0}, {"clip_coef": -0.1}, {"lam": 1.01}, {"lam": -0.1}, {"objective": "clipped"},
    {"num_minibatches": 4096}, {"num_envs": 0}, {"lr": 0}, {"max_grad_norm": 0},
])  # fmt: skip
def test_bad_hyperparameters_are_refused(params):
    with pytest.raises(HyperparameterError):
        make_agent("ppo", load_level("corridor"), params)


def test_registry_and_spec():
    agent = make_agent("ppo", load_level("corridor"), {"max_grad_norm": "none", "objective": "none"})
    assert isinstance(agent, PPO) and agent.config.max_grad_norm is None
    names = [h.name for h in PPO.spec()]
    assert {"clip_coef", "clip_vloss", "vf_coef", "ent_coef", "update_epochs", "num_minibatches", "norm_adv",
            "max_grad_norm", "target_kl", "kl_early_stop", "lr", "hidden", "lam", "objective"} <= set(names)

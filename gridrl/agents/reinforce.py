"""REINFORCE: Monte Carlo policy gradient (Williams 1992; course notes §3-4; S&B §13.3-13.4).

    REINFORCE with reward-to-go and a baseline
    1  Initialise the policy parameters theta (and phi of V_phi when b(s) = V_phi(s))
    2  for k = 0, 1, 2, ...:
    3      Sample M complete episodes {tau_i} by running pi_theta           (M = batch_episodes)
    4      For every step t of every episode: G_t = sum_{k>=t} gamma^(k-t) r_k
    5      Psi_t = G_t (reward-to-go), or G_0 for every t (the whole-episode return)
    6      b_t = 0, or the batch's mean of Psi, or V_phi(s_t)                 (baseline)
    7      g_hat = 1/|D| sum_i sum_t grad_theta log pi_theta(a_t|s_t) (Psi_t - b_t)
    8      theta <- theta + alpha g_hat                                     (Adam)
    9      phi <- phi - alpha_V grad_phi 1/|D| sum (V_phi(s_t) - G_t)^2         (b = V_phi only)

Why it works (the policy gradient theorem): grad J(theta) = E[sum_t grad log pi(a_t|s_t) G_t],
and for any b(s) that does not depend on the action, E[grad log pi(a|s) b(s)] = 0. So every
baseline leaves g_hat's expectation alone and only changes its variance; ``grad_variance``
in each update's info shows by how much. Reward-to-go drops the rewards *before* t, which
a_t cannot have caused: another zero-mean term removed.

Choices made here, each named:

* The batch is M *complete* episodes, all sampled by the current pi_theta: with N parallel
  environments each contributes a fixed share (M // N, the first M % N one more). An episode
  still running when theta changes was started by the old policy and is played out but not
  learned from. (Taking "the first M episodes to finish" instead would favour short ones.)
* An episode cut off by the time limit ends with its return as observed: REINFORCE has no
  critic to bootstrap from (a real Monte Carlo method; set max_steps high enough).
* The ``mean`` baseline is one number per batch, the mean of Psi_t over all its steps (not
  one per time step: late time steps are reached by few episodes and would get a baseline
  equal to their own return, hence no signal). It includes each step's own return, a bias
  of order 1/|D| that a leave-one-out mean would remove.
* The ``value`` baseline V_phi(s_t) is trained by MSE on the observed G_t, after the policy
  step, so the baseline of a batch never depends on that batch's own returns.
* S&B eq. 13.8 weighs step t by gamma^t; like Spinning Up and most practice we do not by
  default (``weight_gamma_t``), or late steps of long episodes would count for almost nothing.
* An entropy bonus of 0.03 by default (textbook REINFORCE has none). Where the goal is far
  and every other way to end an episode hurts (trap_maze: the traps' -1 against a goal that a
  random walk rarely reaches), the first thing the returns teach is that walking into a wall
  is safe, and without the bonus pi settles there before any episode has found the goal
  (value -0.2 on seeds 0-4). With it, seeds 0-4 find the 21-step path in 8-15 s. The
  bonus has a price where exploring is dangerous: on cliff_walking it makes a step on the
  edge look risky (the soft Figure 6.4), and the level recommends 0.01.
* The loss is a mean over the batch's |D| steps (line 7), as Spinning Up's VPG; the notes'
  1/M sum over episodes differs by the mean episode length, a scale Adam absorbs.

On a bandit level every pull is a one-step episode (a pull does not change later pulls), so
G = r, the ``value`` baseline learns the mean reward, and REINFORCE with the ``mean``
baseline is a batched gradient bandit algorithm (S&B §2.8, with a network for H(a)).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from gridrl.agents.base import MAX_HELD_STEPS, Event, hp
from gridrl.agents.common.deep import DeepAgent, diagnostics_of
from gridrl.agents.common.gae import discounted_returns
from gridrl.agents.common.policy import CategoricalPolicy, batched_vjp, explained_variance, sample_actions
from gridrl.levels import GridLevel, Level


@dataclass(frozen=True)
class Config:
    """REINFORCE's hyperparameters."""

    lr: float = hp(0.01, "Adam step size alpha of the policy (line 8)", low=0.0, high=1.0, low_open=True)
    batch_episodes: int = hp(16, "M: complete episodes per policy update (line 3)", low=1, high=4096)
    num_envs: int = hp(8, "environments run side by side to collect the episodes", low=1, high=1024)
    reward_to_go: bool = hp(True, "weigh a_t by G_t, the return from t on (off: by G_0, the whole episode's)")
    baseline: str = hp(
        "value", "b_t subtracted from the return (line 6): none, the batch's mean, or a learned V(s)",
        choices=("none", "mean", "value"),
    )  # fmt: skip
    vf_lr: float = hp(0.01, "Adam step size of the value baseline V_phi (line 9)", low=0.0, high=1.0,
                      low_open=True)  # fmt: skip
    vf_iters: int = hp(5, "gradient steps on V_phi per update (line 9)", low=1, high=100)
    ent_coef: float = hp(0.03, "entropy bonus: loss -= ent_coef * H(pi) (keeps exploring; 0 = textbook)",
                         low=0.0, high=1.0)  # fmt: skip
    weight_gamma_t: bool = hp(False, "multiply step t's term by gamma^t as in S&B eq. 13.8")
    gamma: float | None = hp(None, "discount; none = the level's", low=0.0, high=1.0, optional=True)
    hidden: int = hp(64, "units in each of the two hidden layers", low=1, high=1024)
    obs: str = hp("onehot", "what the network sees of a cell: one-hot or (row, col)",
                  choices=("onehot", "coords"))  # fmt: skip


@dataclass
class Episode:
    """One complete episode: s_t, a_t, r_{t+1} for t = 0 .. T-1, and the policy that ran it."""

    #: ``updates_done`` when a_0 was chosen: the policy after that many updates ran the episode.
    policy_version: int = 0
    states: list[int] = field(default_factory=list)
    actions: list[int] = field(default_factory=list)
    rewards: list[float] = field(default_factory=list)


#: At most this many numbers in one batched backward pass of the gradient-variance diagnostic
#: (64 MB of float32): episode gradients are computed that many |theta|-vectors at a time.
VJP_BUDGET = 2**24


def gradient_variance(grads: np.ndarray) -> float:
    """Var_i[g_i] averaged over the parameters: tr Cov[g] / |theta| of one-episode estimates.

    ``grads`` is (M, |theta|), one row per episode (:meth:`Reinforce.episode_gradients`). The
    batch's estimate g_hat averages M of them, so its variance is this divided by M.
    """
    return float(grads.var(axis=0, ddof=1).mean()) if len(grads) > 1 else float("nan")


class Reinforce(DeepAgent):
    name = "reinforce"
    Config = Config
    summary = "Monte Carlo policy gradient: make actions that were followed by high returns likelier"
    diagnostics = diagnostics_of(
        "mean_return", "entropy", "grad_variance", "baseline_mean", "explained_variance", "value_loss",
        "policy_loss", "loss", "mean_length",
        grad_variance=("gradient variance", "Variance of the per-episode policy gradients: REINFORCE's "
                                            "weakness. A baseline should make it smaller.",
                       "Σ_i ‖g_i − ḡ‖² / ((M − 1) |θ|),  g_i = Σ_t ∇ log π(a_t|s_t) (G_t − b_t)"),
        baseline_mean=("mean baseline b", "Mean of the baseline subtracted from the returns (0 without "
                                          "one); it should follow the mean return.",
                       "mean_t b_t"),
    )

    @classmethod
    def held_episodes(cls, level: GridLevel, config: Any) -> tuple[int, int, str]:
        """The batch of M whole episodes (line 3), held until the update."""
        M = config.batch_episodes
        return M, level.max_steps, (
            f"Give the level a shorter time limit (dynamics: max_steps: {MAX_HELD_STEPS // M:,} or less; the "
            "default is 100 x the cells), lower batch_episodes, or use actor-critic or ppo, which learn from "
            "rollouts of a fixed length.")

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        c = self.config
        self.policy = CategoricalPolicy(self.obs_dim, self.n_actions, hidden=c.hidden, one_hot=self.one_hot)
        self.optimizer = self.adam("policy", [self.policy], lr=c.lr)
        self.logp_table = self.state_table(self.policy.log_probs)  # pi_theta, for acting
        self.value: nn.Module | None = None
        if c.baseline == "value":
            self.value = self.mlp(1)
            self.value_optimizer = self.adam("value", [self.value], lr=c.vf_lr)
        N, M = self.num_envs, c.batch_episodes
        #: How many episodes of each batch environment i contributes: M split evenly.
        self.quota = np.array([M // N + (i < M % N) for i in range(N)])
        self.collected = np.zeros(N, dtype=np.int64)
        self.recording = np.ones(N, dtype=bool)  # False while an env plays out an old-policy episode
        self.running = [Episode() for _ in range(N)]
        self.batch: list[Episode] = []

    # ------------------------------------------------------------------ acting (line 3)

    def collect_step(self) -> tuple[Event, dict[str, Any]]:
        """One step of every environment, recorded into the episodes of the batch."""
        before = self.states
        actions, _ = sample_actions(self.rng, self.logp_table[before])
        result = self.env_step(actions)
        terminated, truncated = self.learning_ends(result)
        ended = terminated | truncated
        for i in range(self.num_envs):
            if self.recording[i]:
                ep = self.running[i]
                if not ep.states:
                    ep.policy_version = self.updates_done
                ep.states.append(int(before[i]))
                ep.actions.append(int(actions[i]))
                ep.rewards.append(float(result["rewards"][i]))
            if ended[i]:
                if self.recording[i] and self.collected[i] < self.quota[i]:
                    self.batch.append(self.running[i])
                    self.collected[i] += 1
                self.running[i] = Episode()
                self.recording[i] = True  # the next episode starts under the current policy
        event = self.step_event(before, actions, result)
        return event, result

    def rebuild_environment(self) -> None:
        """A live edit of the level restarts every environment: the episodes under way are cut
        short by the edit, so they are not learned from (the finished ones in the batch are)."""
        super().rebuild_environment()
        self.running = [Episode() for _ in range(self.num_envs)]
        self.recording[:] = True

    @property
    def batch_ready(self) -> bool:
        return bool((self.collected >= self.quota).all())

    def sample_batch(self) -> list[Episode]:
        """Step until M complete episodes of the current policy are in; return them (no learning)."""
        while not self.batch_ready:
            self.collect_step()
        return self._take_batch()

    def _take_batch(self) -> list[Episode]:
        batch, self.batch = self.batch, []
        self.collected[:] = 0
        # Episodes still running were started by the policy about to change: not learned from.
        for i in range(self.num_envs):
            if self.running[i].states:
                self.running[i] = Episode()
                self.recording[i] = False
        return batch

    def act_and_learn(self) -> Event:
        event, _ = self.collect_step()
        if self.batch_ready:
            event.info = self.learn(self._take_batch())
            event.changed = np.arange(self.n_states)
            event.equation = "theta <- theta + alpha 1/|D| sum_t grad log pi(a_t|s_t) (G_t - b_t)"
        return event

    # ------------------------------------------------------------------ returns (lines 4-6)

    def psi(self, episode: Episode) -> np.ndarray:
        """Psi_t: the reward-to-go G_t (line 4), or G_0 repeated for every t (line 5)."""
        G = discounted_returns(np.asarray(episode.rewards), self.gamma)
        return G if self.config.reward_to_go else np.full(len(G), G[0])

    def _tensors(self, batch: list[Episode]) -> dict[str, torch.Tensor]:
        """The batch as flat tensors: states, obs, actions, Psi_t, G_t, gamma^t weights, episode index."""
        states = np.concatenate([e.states for e in batch])
        t = np.concatenate([np.arange(len(e.states)) for e in batch])
        w = self.gamma**t if self.config.weight_gamma_t else np.ones(len(t))
        s = torch.as_tensor(states)
        return {
            "s": s,
            "obs": self.obs_all_t[s],
            "actions": torch.as_tensor(np.concatenate([e.actions for e in batch])),
            "psi": torch.as_tensor(np.concatenate([self.psi(e) for e in batch]), dtype=torch.float32),
            "G": torch.as_tensor(
                np.concatenate([discounted_returns(np.asarray(e.rewards), self.gamma) for e in batch]),
                dtype=torch.float32,
            ),
            "w": torch.as_tensor(w, dtype=torch.float32),
            "episode": torch.as_tensor(np.repeat(np.arange(len(batch)), [len(e.states) for e in batch])),
        }  # fmt: skip

    def baseline(self, data: dict[str, torch.Tensor]) -> torch.Tensor:
        """b_t (line 6): 0, the batch mean of Psi, or V_phi(s_t); never carries a gradient."""
        kind = self.config.baseline
        if kind == "none":
            return torch.zeros_like(data["psi"])
        if kind == "mean":
            return torch.full_like(data["psi"], float(data["psi"].mean()))
        assert self.value is not None
        with torch.no_grad():
            return self.value(data["obs"]).squeeze(1)

    # ------------------------------------------------------------------ loss and update (lines 7-9)

    def loss(self, data: dict[str, torch.Tensor], b: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
        """L(theta) = -1/|D| sum_t w_t log pi(a_t|s_t) (Psi_t - b_t) - ent_coef H (line 7).

        Its gradient is -g_hat: gradient descent on L is gradient ascent on J(theta).
        """
        logp, entropy = self.policy.evaluate(data["obs"], data["actions"])
        advantage = data["psi"] - b
        policy_loss = -(data["w"] * logp * advantage).mean()
        loss = policy_loss - self.config.ent_coef * entropy.mean()
        info = {"loss": loss.item(), "policy_loss": policy_loss.item(), "entropy": entropy.mean().item()}
        return loss, info

    def episode_gradients(self, batch: list[Episode]) -> np.ndarray:
        """g_i = sum_t w_t grad log pi(a_t|s_t) (Psi_t - b_t) for each episode i, (M, |theta|).

        Each row is the notes' one-episode estimate of grad J(theta) (line 7 with M = 1);
        their mean over the batch is g_hat up to the 1/|D| vs 1/M scale. Uses the same
        baselines as the update, so the spread of the rows shows what the baseline buys.
        """
        data = self._tensors(batch)
        z, C = self._episode_coefficients(data, self.baseline(data))
        return batched_vjp(z, list(self.policy.parameters()), C).numpy().astype(np.float64)

    def _episode_coefficients(
        self, data: dict[str, torch.Tensor], b: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The logits z(s) of the U visited states (with their graph) and C, (M, U, A), with
        g_i = sum_s (dz(s)/dtheta)^T C[i, s]: every episode gradient is one vector-Jacobian product.

        With logits z(s), grad_theta log pi(a|s) = (dz(s)/dtheta)^T (e_a - pi(.|s)) (the softmax's
        derivative), so C[i, s] = sum_{t in episode i: s_t = s} w_t (Psi_t - b_t) (e_{a_t} - pi(.|s)).
        """
        visited, where = torch.unique(data["s"], return_inverse=True)  # U states
        z = self.policy(self.obs_all_t[visited])  # (U, A)
        pi = torch.softmax(z.detach(), dim=1)
        U, A = pi.shape
        M = int(data["episode"][-1]) + 1
        coef = torch.nn.functional.one_hot(data["actions"].long(), A) - pi[where]
        coef = coef * (data["w"] * (data["psi"] - b))[:, None]  # (|D|, A)
        C = torch.zeros(M, U, A).index_put_((data["episode"], where), coef, accumulate=True)
        return z, C

    def _gradient_variance(self, data: dict[str, torch.Tensor], b: torch.Tensor) -> float:
        """:func:`gradient_variance` of the episode gradients, = sum_i |g_i - g_bar|^2 / ((M-1) |theta|),
        without holding them all or the Jacobian dz/dtheta (U A x |theta|: > 20 GB on 48 x 48).

        g_i is linear in C[i], so g_i - g_bar is the product with the centred C[i] - C_bar; those
        products are formed a few episodes at a time (at most ``VJP_BUDGET`` numbers per batched
        backward pass) and only their squared norms kept.
        """
        z, C = self._episode_coefficients(data, b)
        M = len(C)
        if M < 2:
            return float("nan")
        params = list(self.policy.parameters())
        n_params = sum(p.numel() for p in params)
        C -= C.mean(dim=0)
        # Per episode in a pass: a |theta|-row and the (U, hidden) activation gradients.
        chunk = max(1, VJP_BUDGET // max(n_params, C.shape[1] * self.config.hidden))
        total = sum(
            float(batched_vjp(z, params, C[i : i + chunk]).double().square().sum())
            for i in range(0, M, chunk)
        )
        return total / ((M - 1) * n_params)

    def learn(self, batch: list[Episode]) -> dict[str, Any]:
        """One REINFORCE update from a batch of complete episodes (lines 4-9)."""
        data = self._tensors(batch)
        b = self.baseline(data)
        grad_variance = self._gradient_variance(data, b)  # at theta before the step
        loss, info = self.loss(data, b)
        self.optimizer.step(loss)  # line 8
        returns = np.array([discounted_returns(np.asarray(e.rewards), self.gamma)[0] for e in batch])
        info |= {
            "updated": True,
            "mean_return": float(returns.mean()),
            "mean_length": float(np.mean([len(e.states) for e in batch])),
            "episodes": len(batch),
            "baseline_mean": float(b.mean()),
            "grad_variance": grad_variance,
        }
        if self.value is not None:
            info |= self._fit_value(data)
        self.updates_done += 1
        return info

    def _fit_value(self, data: dict[str, torch.Tensor]) -> dict[str, float]:
        """vf_iters steps of phi <- phi - alpha_V grad 1/|D| sum (V_phi(s_t) - G_t)^2 (line 9)."""
        assert self.value is not None
        with torch.no_grad():
            before = self.value(data["obs"]).squeeze(1).numpy()
        for _ in range(self.config.vf_iters):
            value_loss = ((self.value(data["obs"]).squeeze(1) - data["G"]) ** 2).mean()
            self.value_optimizer.step(value_loss)
        return {
            "value_loss": value_loss.item(),
            "explained_variance": explained_variance(before, data["G"].numpy()),
        }

    # ------------------------------------------------------------------ insight, save

    def evaluate_states(self, obs: torch.Tensor) -> dict[str, Any]:
        out: dict[str, Any] = {"pi": self.policy.probs(obs).numpy()}
        if self.value is not None:
            out["V"] = self.value(obs).squeeze(1).numpy()
        return out

    def networks(self) -> dict[str, nn.Module]:
        nets: dict[str, nn.Module] = {"policy": self.policy}
        if self.value is not None:
            nets["value"] = self.value
        return nets

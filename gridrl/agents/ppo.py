"""PPO: Proximal Policy Optimization (Schulman et al. 2017, Algorithm 1).

An actor-critic that collects a batch of experience with the current policy pi_old, then
takes *several* gradient steps on it. Reusing data means the new policy pi_theta drifts away
from the pi_old that sampled it, so every sample is re-weighted by the importance ratio
rho_t = pi_theta(a_t|s_t) / pi_old(a_t|s_t), and the step is kept proximal -- near pi_old --
by one of three objectives (``objective``):

* ``clip`` (PPO eq. 7):  L = E[min(rho_t A_hat_t, clip(rho_t, 1 - eps, 1 + eps) A_hat_t)]
* ``kl-penalty`` (eq. 8): L = E[rho_t A_hat_t] - beta KL(pi_old || pi_theta), with beta
  adapted after every update toward a target KL (section 4)
* ``none`` (eq. 6, L^CPI): L = E[rho_t A_hat_t], no constraint at all -- the baseline the
  paper shows falling apart when the same batch is reused for many epochs.

    PPO, actor-critic style (Schulman et al. 2017, Algorithm 1)
    1  for iteration = 1, 2, ... do
    2      for actor = 1, 2, ..., N do                        (N = num_envs, in parallel)
    3          run policy pi_old in the environment for T timesteps      (T = num_steps)
    4          compute advantage estimates A_hat_1, ..., A_hat_T          (GAE(gamma, lam))
    5      end for
    6      optimise surrogate L wrt theta, with K epochs and minibatch size M <= NT
                  (K = update_epochs, NT / M = num_minibatches; the loss is eq. 9:
                   -L + vf_coef * value loss - ent_coef * entropy)
    7      theta_old <- theta                 (kl-penalty: then adapt beta toward target_kl)
    8  end for

Departures from the textbook, each a flag a student can switch off to see what it does:
``norm_adv`` (normalise A_hat over the batch), ``clip_vloss`` (clip the value update like the
policy's), ``max_grad_norm`` (clip the gradient's global norm) and ``kl_early_stop`` (stop the
epochs once the policy has moved too far). They follow CleanRL's ``ppo.py`` and "The 37
implementation details of PPO" (Huang et al. 2022).

A bandit pull is a one-step episode here: the next pull does not depend on this action, so
its return is just r and A_hat = r - V (the critic learns the mean reward of the policy).

:class:`OnPolicyAgent` -- rollout collection, networks, insight -- is shared with TRPO.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import torch
from torch import nn

from gridrl.agents.base import Event, HyperparameterError, hp
from gridrl.agents.common.deep import DeepAgent, mlp
from gridrl.agents.common.policy import CategoricalPolicy, explained_variance
from gridrl.agents.common.rollout import Batch, Rollout
from gridrl.levels import Level

OBJECTIVES = ("clip", "kl-penalty", "none")
#: Added to std(A_hat) when normalising advantages (a numerical guard only).
EPS_STD = 1e-8


@dataclass(frozen=True)
class Config:
    """PPO's hyperparameters (CleanRL's names): rollout size, GAE, the surrogate, the optimiser."""

    num_envs: int = hp(4, "N: environments stepped in parallel", low=1, high=1024)
    num_steps: int = hp(32, "T: steps of every environment per rollout (batch = N * T)", low=1, high=100_000)
    lr: float = hp(0.001, "Adam step size of actor and critic", low=0.0, high=1.0, low_open=True)
    gamma: float | None = hp(None, "discount gamma; none = the level's", low=0.0, high=1.0, optional=True)
    lam: float = hp(0.95, "GAE lambda: 0 = one-step TD advantage, 1 = Monte Carlo", low=0.0, high=1.0)
    objective: str = hp("clip", "surrogate: clipped ratio, adaptive KL penalty, or none (unconstrained)",
                        choices=OBJECTIVES)  # fmt: skip
    clip_coef: float = hp(0.2, "eps: rho is clipped to [1 - eps, 1 + eps]", low=0.0, high=1.0, low_open=True)
    target_kl: float = hp(0.01, "d_targ: the KL per update kl-penalty steers beta toward (and kl_early_stop's limit)",
                          low=0.0, low_open=True)  # fmt: skip
    beta: float = hp(1.0, "initial KL-penalty weight beta (kl-penalty only; the paper starts at 1)", low=0.0)
    update_epochs: int = hp(4, "K: passes over each batch", low=1, high=1000)
    num_minibatches: int = hp(4, "minibatches per epoch (minibatch size M = N * T / this)", low=1, high=100_000)
    vf_coef: float = hp(0.5, "c1: weight of the value loss", low=0.0)
    ent_coef: float = hp(0.01, "c2: weight of the entropy bonus (keeps exploring)", low=0.0)
    norm_adv: bool = hp(True, "normalise A_hat to mean 0, std 1 per batch: one step size fits any reward scale")
    clip_vloss: bool = hp(True, "clip V's change to eps like rho's: keeps the critic near V_old too")
    max_grad_norm: float | None = hp(0.5, "clip the gradient's global norm to this (none = off): no huge steps",
                                     low=0.0, low_open=True, optional=True)  # fmt: skip
    kl_early_stop: bool = hp(False, "stop the epochs once approx_kl > 1.5 target_kl (SB3): a cheap trust region")
    hidden: int = hp(64, "width of the two hidden layers of actor and critic", low=1, high=1024)
    obs: str = hp("onehot", "observation: one-hot cell or (row, col) coordinates", choices=("onehot", "coords"))

    def __post_init__(self) -> None:
        if self.num_minibatches > self.num_envs * self.num_steps:
            raise HyperparameterError(
                f"num_minibatches ({self.num_minibatches}) must be at most the batch size "
                f"num_envs * num_steps = {self.num_envs * self.num_steps}"
            )


# --------------------------------------------------------------------------- KL helpers
# (gridrl.agents.common.policy has the policy itself; these three could join it)


def categorical_kl(logp_p: torch.Tensor, logp_q: torch.Tensor) -> torch.Tensor:
    """KL(p || q) = sum_a p(a) (log p(a) - log q(a)) per row, from log-probabilities (..., A)."""
    return (logp_p.exp() * (logp_p - logp_q)).sum(-1)


def approx_kl(log_rho: torch.Tensor) -> torch.Tensor:
    """mean((rho - 1) - log rho): an unbiased estimator of KL(pi_old || pi) from the taken actions.

    Every term is >= 0 (x - 1 >= log x), so unlike mean(-log rho) it never reads negative.
    Computed in float64 as expm1(log rho) - log rho, so rounding cannot make it negative.
    """
    log_rho = log_rho.double()
    return (torch.expm1(log_rho) - log_rho).mean()


def entropy(logp_all: torch.Tensor) -> torch.Tensor:
    """H(pi(.|s)) = -sum_a pi(a|s) log pi(a|s) per row."""
    return -(logp_all.exp() * logp_all).sum(-1)


# --------------------------------------------------------------------------- the losses


@dataclass
class Samples:
    """A batch as tensors, one row per sample t: what the losses read.

    ``logp_old_all`` is log pi_old(.|s_t) over all actions (for the exact KL), ``A_hat`` the
    advantage the loss uses (normalised if ``norm_adv``), ``returns`` the lambda-return
    target A_hat_t + V_old(s_t) of the critic.
    """

    actions: torch.Tensor
    logp_old: torch.Tensor
    logp_old_all: torch.Tensor
    A_hat: torch.Tensor
    returns: torch.Tensor
    V_old: torch.Tensor

    def __getitem__(self, idx: Any) -> Samples:
        return Samples(*(getattr(self, f.name)[idx] for f in fields(self)))

    def __len__(self) -> int:
        return len(self.actions)


def clip_active(rho: torch.Tensor, A_hat: torch.Tensor, eps: float) -> torch.Tensor:
    """Where min(rho A, clip(rho) A) takes the clipped term and so has zero gradient.

    The table of the course notes: A > 0 and rho > 1 + eps (a good action already made more
    likely), or A < 0 and rho < 1 - eps (a bad action already made less likely).
    """
    return ((A_hat > 0) & (rho > 1 + eps)) | ((A_hat < 0) & (rho < 1 - eps))


def ppo_loss(
    logits: torch.Tensor,
    V: torch.Tensor,
    mb: Samples,
    *,
    objective: str = "clip",
    clip_coef: float = 0.2,
    beta: float = 1.0,
    clip_vloss: bool = True,
    vf_coef: float = 0.5,
    ent_coef: float = 0.01,
) -> tuple[torch.Tensor, dict[str, float]]:
    """The loss of one minibatch (PPO eq. 9, to minimise) and its diagnostics.

        rho_t  = exp(log pi(a_t|s_t) - log pi_old(a_t|s_t))                     (eq. 6's r_t)
        L      = mean of min(rho A_hat, clip(rho, 1-eps, 1+eps) A_hat)           (eq. 7, clip)
               | mean of rho A_hat - beta KL(pi_old || pi)                       (eq. 8, kl-penalty)
               | mean of rho A_hat                                               (eq. 6, none)
        L^VF   = 1/2 mean (V - R)^2, or with clip_vloss
                 1/2 mean max((V - R)^2, (V_old + clip(V - V_old, -eps, eps) - R)^2)
        loss   = -L + vf_coef L^VF - ent_coef H(pi)

    ``logits`` (M, A) and ``V`` (M,) are the networks' outputs for the minibatch's states.
    Diagnostics: ``approx_kl`` is mean((rho - 1) - log rho), an estimator of KL(pi_old || pi)
    that is >= 0 for every sample (Schulman's "k3"); ``clip_fraction`` is the fraction with
    |rho - 1| > eps (CleanRL's), ``clip_active_fraction`` the fraction whose gradient the clip
    zeroed; ``kl`` the exact mean KL(pi_old || pi) over actions.
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    logp_all = torch.log_softmax(logits, dim=-1)
    logp = logp_all.gather(-1, mb.actions.unsqueeze(-1)).squeeze(-1)
    log_rho = logp - mb.logp_old
    rho = log_rho.exp()  # rho_t = pi / pi_old
    A_hat = mb.A_hat
    kl = categorical_kl(mb.logp_old_all, logp_all).mean()  # KL(pi_old || pi), exact over actions
    if objective == "clip":
        L = torch.min(rho * A_hat, torch.clamp(rho, 1 - clip_coef, 1 + clip_coef) * A_hat).mean()  # eq. 7
    elif objective == "kl-penalty":
        L = (rho * A_hat).mean() - beta * kl  # eq. 8
    else:
        L = (rho * A_hat).mean()  # eq. 6
    if clip_vloss:
        V_clipped = mb.V_old + torch.clamp(V - mb.V_old, -clip_coef, clip_coef)
        value_loss = 0.5 * torch.max((V - mb.returns) ** 2, (V_clipped - mb.returns) ** 2).mean()
    else:
        value_loss = 0.5 * ((V - mb.returns) ** 2).mean()
    H = entropy(logp_all).mean()
    loss = -L + vf_coef * value_loss - ent_coef * H  # eq. 9 (with the signs of a loss)
    with torch.no_grad():
        info = {
            "policy_loss": float(-L), "value_loss": float(value_loss), "entropy": float(H),
            "approx_kl": float(approx_kl(log_rho)), "kl": float(kl),
            "clip_fraction": float(((rho - 1).abs() > clip_coef).float().mean()),
            "clip_active_fraction": float(clip_active(rho, A_hat, clip_coef).float().mean()),
            "ratio_min": float(rho.min()), "ratio_max": float(rho.max()),
        }  # fmt: skip
    return loss, info


def adapt_beta(beta: float, kl: float, target_kl: float) -> float:
    """The PPO paper's rule (section 4), after each update with d = mean KL(pi_old || pi):

    if d < d_targ / 1.5: beta <- beta / 2;  if d > d_targ * 1.5: beta <- beta * 2.
    """
    if kl < target_kl / 1.5:
        return beta / 2
    if kl > target_kl * 1.5:
        return beta * 2
    return beta


# --------------------------------------------------------------------------- on-policy agent


class OnPolicyAgent(DeepAgent):
    """Rollout collection shared by PPO and TRPO (PPO's lines 2-5, TRPO's lines 4-6).

    Every step samples a ~ pi(.|s) in all N environments and records s, a, log pi_old(a|s),
    V_old(s), r, terminated, truncated (and V of the state a truncated episode was cut in,
    for the bootstrap) in a :class:`Rollout`. When it holds T steps, GAE turns it into
    advantages and :meth:`learn` updates the networks. The Config needs ``num_envs``,
    ``num_steps``, ``lam``, ``hidden``, ``norm_adv``, ``obs`` and ``gamma``.
    """

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        c = self.config
        self.actor = CategoricalPolicy(self.obs_dim, self.n_actions, c.hidden)  # near-uniform pi at first
        self.critic = mlp(self.obs_dim, 1, c.hidden, out_gain=1.0)
        self.rollout = Rollout(c.num_steps, self.num_envs)

    # ------------------------------------------------------------------ hooks

    def learn(self, batch: Batch, obs: torch.Tensor, mb: Samples) -> tuple[dict[str, Any], torch.Tensor]:
        """Update from one rollout; returns the diagnostics and rho of every sample afterwards."""
        raise NotImplementedError

    #: Text of the inspector's equation for the last transition.
    equation = ""

    # ------------------------------------------------------------------ acting

    @torch.no_grad()
    def value(self, states: np.ndarray) -> np.ndarray:
        """V(s) of state indices, as float64."""
        obs = self.obs_all_t[torch.as_tensor(np.asarray(states, dtype=np.int64))]
        return self.critic(obs).squeeze(-1).double().numpy()

    def act_and_learn(self) -> Event:
        s = self.states.copy()
        with torch.no_grad():  # line 3: run pi_old
            obs = self.obs_all_t[torch.as_tensor(s)]
            actions, logp = self.actor.sample(obs, self.torch_rng)
            V = self.critic(obs).squeeze(-1).double().numpy()
        result = self.env_step(actions)
        terminated, truncated = self.learning_ends(result)
        # A time limit is not a terminal state: bootstrap from V of the state it was cut in.
        final_values = self.value(result["final_states"]) if truncated.any() else np.zeros(self.num_envs)
        self.rollout.add(s, actions, logp, V, result["rewards"], terminated, truncated, final_values)
        event = self.step_event(s, actions, result)
        if self.rollout.full:
            self._update(event)
        return event

    def _update(self, event: Event) -> None:
        """Lines 4-7: GAE over the rollout, then the subclass's update; fills ``event``."""
        c = self.config
        batch = self.rollout.flat(self.value(self.states), self.gamma, c.lam)  # line 4
        self.rollout.clear()
        obs = self.obs_all_t[torch.as_tensor(batch.states)]
        with torch.no_grad():
            logp_old_all = self.actor.log_probs(obs)
        A_hat = batch.advantages
        if c.norm_adv:
            A_hat = (A_hat - A_hat.mean()) / (A_hat.std() + EPS_STD)
        mb = Samples(
            actions=torch.as_tensor(batch.actions), logp_old=torch.as_tensor(batch.logp_old, dtype=torch.float32),
            logp_old_all=logp_old_all, A_hat=torch.as_tensor(A_hat, dtype=torch.float32),
            returns=torch.as_tensor(batch.returns, dtype=torch.float32),
            V_old=torch.as_tensor(batch.values_old, dtype=torch.float32),
        )  # fmt: skip
        info, rho = self.learn(batch, obs, mb)
        self.updates_done += 1
        info["explained_variance"] = explained_variance(batch.values_old, batch.returns)
        event.info = {"updated": True, **info}
        # The inspector: environment 0's last transition of the batch (row (T-1) * N + 0),
        # with rho = pi_theta / pi_old measured after the update and the A_hat the loss used.
        i = len(batch.states) - self.num_envs
        event.backup = {
            "s": int(batch.states[i]), "a": int(batch.actions[i]), "rho": float(rho[i]),
            "A_hat": float(mb.A_hat[i]), "A_gae": float(batch.advantages[i]),
            "V_old": float(batch.values_old[i]), "return": float(batch.returns[i]),
        }  # fmt: skip
        if getattr(c, "objective", None) == "clip":
            event.backup["eps"] = c.clip_coef
            event.backup["clip_active"] = bool(clip_active(rho[i], mb.A_hat[i], c.clip_coef))
        elif getattr(c, "objective", None) == "kl-penalty":
            event.backup["beta"] = info["beta"]
        event.equation = self.equation
        event.changed = np.unique(batch.states)

    # ------------------------------------------------------------------ insight, save

    def evaluate_states(self, obs: torch.Tensor) -> dict[str, Any]:
        """pi(.|s) and V(s) for every state, one batched forward pass of each network."""
        logp_all = self.actor.log_probs(obs)
        return {
            "pi": logp_all.exp().double().numpy(),
            "V": self.critic(obs).squeeze(-1).double().numpy(),
            "extras": {"entropy": entropy(logp_all).double().numpy()},
        }

    def networks(self) -> dict[str, nn.Module]:
        return {"actor": self.actor, "critic": self.critic}


# --------------------------------------------------------------------------- PPO


class PPO(OnPolicyAgent):
    name = "ppo"
    Config = Config
    summary = "reuses each batch for several epochs, kept near pi_old by a clipped ratio or a KL penalty"

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        c = self.config
        params = list(self.actor.parameters()) + list(self.critic.parameters())
        self.optimizer = torch.optim.Adam(params, lr=c.lr, eps=1e-5)
        self.beta = float(c.beta)

    @property
    def equation(self) -> str:  # type: ignore[override]
        return {
            "clip": "L = min(rho A_hat, clip(rho, 1-eps, 1+eps) A_hat),  rho = pi(a|s) / pi_old(a|s)",
            "kl-penalty": "L = rho A_hat - beta KL(pi_old || pi),  rho = pi(a|s) / pi_old(a|s)",
            "none": "L = rho A_hat,  rho = pi(a|s) / pi_old(a|s)",
        }[self.config.objective]

    def learn(self, batch: Batch, obs: torch.Tensor, mb: Samples) -> tuple[dict[str, Any], torch.Tensor]:
        """Line 6: K epochs of minibatch Adam steps on eq. 9; line 7: adapt beta.

        The diagnostics are the means over the update's minibatches (each measured before its
        step), ratio_min / ratio_max over all of them, and ``kl``: the exact mean
        KL(pi_old || pi) over the batch where the update ended (what beta adapts to).
        """
        c = self.config
        params = list(self.actor.parameters()) + list(self.critic.parameters())
        infos: list[dict[str, float]] = []
        epochs, stopped = 0, False
        for _ in range(c.update_epochs):
            epoch_kl = []
            for idx in np.array_split(self.rng.permutation(len(mb)), c.num_minibatches):
                idx_t = torch.as_tensor(idx)
                loss, info = ppo_loss(
                    self.actor(obs[idx_t]), self.critic(obs[idx_t]).squeeze(-1), mb[idx_t],
                    objective=c.objective, clip_coef=c.clip_coef, beta=self.beta,
                    clip_vloss=c.clip_vloss, vf_coef=c.vf_coef, ent_coef=c.ent_coef,
                )  # fmt: skip
                self.optimizer.zero_grad()
                loss.backward()
                if c.max_grad_norm is not None:
                    nn.utils.clip_grad_norm_(params, c.max_grad_norm)
                self.optimizer.step()
                infos.append(info)
                epoch_kl.append(info["approx_kl"])
            epochs += 1
            if c.kl_early_stop and np.mean(epoch_kl) > 1.5 * c.target_kl:
                stopped = True
                break
        with torch.no_grad():  # where the update ended: rho and the KL it moved
            logp_all = self.actor.log_probs(obs)
            rho = (logp_all.gather(-1, mb.actions.unsqueeze(-1)).squeeze(-1) - mb.logp_old).exp()
            kl = float(categorical_kl(mb.logp_old_all, logp_all).mean())
        info = {name: float(np.mean([i[name] for i in infos])) for name in infos[0]}
        info["ratio_min"] = min(i["ratio_min"] for i in infos)
        info["ratio_max"] = max(i["ratio_max"] for i in infos)
        info.update(kl=kl, epochs=epochs, stopped_early=stopped)
        if c.objective == "kl-penalty":
            info["beta"] = self.beta  # the beta this update used ...
            self.beta = adapt_beta(self.beta, kl, c.target_kl)  # line 7
            info["beta_next"] = self.beta  # ... and the one the next will use
        return info, rho

    # ------------------------------------------------------------------ save, load

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "beta": self.beta}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        state = dict(state)
        self.beta = float(state.pop("beta", self.beta))
        super().load_state_dict(state)

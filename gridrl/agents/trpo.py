"""TRPO: Trust Region Policy Optimization (Schulman et al. 2015).

Maximise the importance-sampled surrogate while the new policy stays inside a trust region
around the one that collected the data (TRPO eq. 14, with the average KL of section 6):

    maximise_theta  L(theta) = mean_t [rho_t(theta) A_hat_t],   rho_t = pi_theta(a_t|s_t) / pi_old(a_t|s_t)
    subject to      KL_bar(theta) = mean_t KL(pi_old(.|s_t) || pi_theta(.|s_t)) <= delta

Near theta_old, L is linear (gradient g) and KL_bar quadratic (its Hessian is the Fisher
matrix F), so the step is the natural gradient s = F^-1 g scaled to the edge of the region:
1/2 (beta s)^T F (beta s) = delta gives beta = sqrt(2 delta / (s^T F s)) (Appendix C).
F is never formed: conjugate gradient needs only products F v, which double backpropagation
gives from the gradient of KL_bar. Because the quadratic model can be wrong, a backtracking
line search shrinks the step until the *measured* KL is within delta and L really improved.

    TRPO (Schulman et al. 2015; as written in OpenAI Spinning Up, Algorithm 1)
    1   Input: initial policy parameters theta_0, initial value function parameters phi_0
    2   Hyperparameters: KL limit delta, backtracking coefficient alpha, max backtracking steps K
    3   for k = 0, 1, 2, ... do
    4       collect a set of trajectories D_k by running pi_k = pi(theta_k) in the environment
    5       compute rewards-to-go R_hat_t                                  (lambda-returns)
    6       compute advantage estimates A_hat_t based on the current value function V_phi_k (GAE)
    7       estimate the policy gradient g_k = grad_theta L at theta_k
    8       use conjugate gradient to compute x_k ~ H_k^-1 g_k, H_k the Hessian of the sample
            average KL-divergence (the Fisher matrix F)
    9       update the policy by backtracking line search with
                theta_k+1 = theta_k + alpha^j sqrt(2 delta / (x_k^T H_k x_k)) x_k,
            j in {0, 1, ..., K} the smallest value that improves the sample surrogate and
            satisfies the sample KL constraint
    10      fit the value function by regression on mean-squared error (Adam)
    11  end for

Departures from the paper, each a flag: ``norm_adv`` (normalise A_hat per batch, as Spinning
Up and OpenAI Baselines do; off by default), ``cg_damping`` (solve (F + damping I) x = g: F is
singular along directions that do not change pi, e.g. the logits' common shift) and
``ent_coef`` (an entropy bonus in the objective, OpenAI Baselines' ``entcoeff``). TRPO has no
clipping: the trust region is the regulariser.

The defaults are for gridworlds, where most steps cost the same small amount and only the goal
pays. The natural step's length is set by delta whatever the advantages' scale, so what keeps
the policy exploring until the goal is seen is a small delta (0.005), many and varied samples
(32 environments x 64 steps) and the entropy bonus. Against raw advantages (a step cost of
0.01 on trap_maze) 0.01 of entropy is felt; normalised, it is not, and the policy settled
into a loop that avoids the traps and never reaches the goal (0/5 seeds). With 4 x 32, delta
0.01 and no entropy, TRPO failed five of seven gridworlds on seed 0 (cliff_walking,
windy_gridworld, trap_maze and both Frozen Lakes); with these defaults every bundled
gridworld is solved on seeds 0-4 (bench/defaults_matrix.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn.utils import parameters_to_vector, vector_to_parameters

from gridrl.agents.base import hp
from gridrl.agents.common.deep import diagnostics_of
from gridrl.agents.common.onpolicy import OnPolicyAgent, Samples, check_minibatches
from gridrl.agents.common.policy import categorical_kl, entropy, flat_grad, flatten
from gridrl.agents.common.rollout import Batch
from gridrl.levels import Level


@dataclass(frozen=True)
class Config:
    """TRPO's hyperparameters: rollout size, GAE, the trust region, CG, line search, the critic."""

    num_envs: int = hp(32, "N: environments stepped in parallel", low=1, high=1024)
    num_steps: int = hp(64, "T: steps of every environment per rollout (batch = N * T)", low=1, high=100_000)
    gamma: float | None = hp(None, "discount gamma; none = the level's", low=0.0, high=1.0, optional=True)
    lam: float = hp(0.95, "GAE lambda: 0 = one-step TD advantage, 1 = Monte Carlo", low=0.0, high=1.0)
    delta: float = hp(0.005, "delta: the largest mean KL(pi_old || pi) one update may move", low=0.0, low_open=True)
    cg_iters: int = hp(10, "conjugate gradient iterations for x = F^-1 g", low=1, high=1000)
    cg_damping: float = hp(0.1, "solve (F + damping I) x = g: F is singular along moves that keep pi", low=0.0)
    backtrack_coef: float = hp(0.5, "alpha: each line-search try shrinks the step by this", low=0.0, high=1.0,
                                low_open=True)  # fmt: skip
    backtrack_iters: int = hp(10, "K: line-search tries before the update is given up", low=1, high=100)
    norm_adv: bool = hp(False, "normalise A_hat to mean 0, std 1 per batch: one delta fits any reward scale")
    ent_coef: float = hp(0.01, "entropy bonus: maximise L + ent_coef * H(pi) (OpenAI Baselines' entcoeff; 0 = the paper)",
                         low=0.0)  # fmt: skip
    vf_lr: float = hp(0.001, "Adam step size of the critic", low=0.0, high=1.0, low_open=True)
    vf_epochs: int = hp(5, "passes of the critic over each batch", low=1, high=1000)
    num_minibatches: int = hp(4, "critic minibatches per pass", low=1, high=100_000)
    hidden: int = hp(64, "width of the two hidden layers of actor and critic", low=1, high=1024)
    obs: str = hp("onehot", "observation: one-hot cell or (row, col) coordinates", choices=("onehot", "coords"))

    def __post_init__(self) -> None:
        check_minibatches(self)


# --------------------------------------------------------------------------- the math


def surrogate(logp_all: torch.Tensor, mb: Samples) -> tuple[torch.Tensor, torch.Tensor]:
    """L = mean_t rho_t A_hat_t (TRPO eq. 14's objective) and every rho_t, for ``logp_all`` =
    log pi_theta(.|s_t), (B, A)."""
    logp = logp_all.gather(-1, mb.actions.unsqueeze(-1)).squeeze(-1)
    rho = (logp - mb.logp_old).exp()
    return (rho * mb.A_hat).mean(), rho


def objective(logp_all: torch.Tensor, mb: Samples, ent_coef: float) -> torch.Tensor:
    """What the step maximises: L + ent_coef * mean_t H(pi_theta(.|s_t)), OpenAI Baselines'
    TRPO gain (surrogate plus ``entcoeff`` times the entropy); ent_coef = 0 is eq. 14's L."""
    L, _ = surrogate(logp_all, mb)
    return L + ent_coef * entropy(logp_all).mean() if ent_coef else L


def conjugate_gradient(
    Av: Callable[[torch.Tensor], torch.Tensor], b: torch.Tensor, iters: int = 10, tol: float = 1e-10
) -> tuple[torch.Tensor, int, float]:
    """Solve A x = b for symmetric positive definite A, knowing only products A v (line 8).

    Conjugate gradient (Nocedal & Wright, Algorithm 5.2), from x_0 = 0: exact after at most
    n iterations in exact arithmetic, usually good long before. Stops when r^T r < ``tol``.
    Returns x, the iterations done and the residual norm |b - A x|.
    """
    x = torch.zeros_like(b)
    r = b.clone()  # r = b - A x
    p = r.clone()
    rr = torch.dot(r, r)
    done = 0
    for _ in range(iters):
        if rr < tol:
            break
        Ap = Av(p)
        alpha = rr / torch.dot(p, Ap)
        x = x + alpha * p
        r = r - alpha * Ap
        rr_next = torch.dot(r, r)
        p = r + (rr_next / rr) * p
        rr = rr_next
        done += 1
    return x, done, float(rr.sqrt())


def fisher_vector_product(
    mean_kl: torch.Tensor, params: list[nn.Parameter], damping: float = 0.0
) -> Callable[[torch.Tensor], torch.Tensor]:
    """v -> (F + damping I) v, F the Hessian of ``mean_kl`` = mean_t KL(pi_old || pi_theta) at
    theta = theta_old, by double backpropagation (line 8's H_k; TRPO Appendix C.1).

    At theta_old this Hessian is the Fisher information matrix
    F = mean_t E_a~pi_old[grad log pi(a|s_t) grad log pi(a|s_t)^T] of the policy. F v is the
    gradient of (grad KL_bar . v): one extra backward pass, never the P x P matrix itself.
    """
    grad_kl = flatten(torch.autograd.grad(mean_kl, params, create_graph=True))

    def Fv(v: torch.Tensor) -> torch.Tensor:
        Hv = torch.autograd.grad(torch.dot(grad_kl, v), params, retain_graph=True)
        return flatten(Hv).detach() + damping * v

    return Fv


@dataclass
class LineSearch:
    """What the backtracking line search found: the parameters it kept and why."""

    theta: torch.Tensor
    accepted: bool
    fraction: float  # alpha^j of the accepted try; 0 if none was accepted
    tries: int
    L: float  # surrogate at theta
    kl: float  # mean KL(pi_old || pi) at theta
    kl_full_step: float  # ... and at the full step (how good the quadratic model was)


def line_search(
    evaluate: Callable[[torch.Tensor], tuple[float, float]],
    theta_old: torch.Tensor,
    full_step: torch.Tensor,
    L_old: float,
    delta: float,
    backtrack_coef: float = 0.5,
    backtrack_iters: int = 10,
) -> LineSearch:
    """Line 9: try theta_old + alpha^j full_step for j = 0, 1, ..., K-1 and keep the first
    whose measured mean KL is <= delta and whose surrogate beats L_old.

    ``evaluate(theta)`` returns (L, KL) at parameters theta. If no try satisfies both, the
    policy stays at theta_old (``accepted`` False): a step that leaves the trust region or
    makes things worse is never taken.
    """
    kl_full = float("nan")
    for j in range(backtrack_iters):
        fraction = backtrack_coef**j
        theta = theta_old + fraction * full_step
        L, kl = evaluate(theta)
        if j == 0:
            kl_full = kl
        if kl <= delta and L > L_old:
            return LineSearch(theta, True, fraction, j + 1, L, kl, kl_full)
    return LineSearch(theta_old.clone(), False, 0.0, backtrack_iters, L_old, 0.0, kl_full)


# --------------------------------------------------------------------------- the agent


class TRPO(OnPolicyAgent):
    name = "trpo"
    Config = Config
    summary = "natural-gradient steps inside a KL trust region, found by conjugate gradient and a line search"
    diagnostics = diagnostics_of(
        "kl", "line_search_tries", "entropy", "explained_variance", "value_loss", "surrogate_improvement",
        "line_search_fraction", "kl_full_step", "step_size", "expected_improvement", "cg_iterations",
        "cg_residual", "grad_norm", "policy_loss",
        kl=("KL(π_old ‖ π) of the step", "The KL divergence of the accepted step. Healthy: at or just below "
                                         "the trust region δ (0.01 by default); 0 means the step was rejected.",
            "mean_t KL(π_old(·|s_t) ‖ π_θ'(·|s_t)) ≤ δ"),
        line_search_tries=("line-search steps", "Backtracking steps before a step kept KL ≤ δ and improved the "
                                                "surrogate. 0–2 is healthy; often the maximum means the "
                                                "quadratic model of the KL is poor.",
                           "j: the first with KL ≤ δ and L(θ + α^j Δ) > L(θ)"),
        surrogate_improvement=("surrogate improvement", "How much the accepted step raised the surrogate "
                                                        "objective L(θ) (plus ent_coef times the mean "
                                                        "entropy). Positive when the line search "
                                                        "succeeded; 0 when it gave up.",
                               "L(θ') − L(θ),  L(θ) = mean_t ρ_t Â_t + c_H mean_t H(π_θ(·|s_t))"),
        line_search_fraction=("line-search fraction", "Share of the full natural-gradient step kept (1, ½, "
                                                      "¼, …); 1 is healthy, 0 means no step was taken.",
                              "α^j"),
        kl_full_step=("KL of the full step", "The KL the full step would have had; far above δ means the "
                                             "quadratic approximation of the KL was poor.",
                      "mean_t KL(π_old ‖ π_{θ+Δ}),  Δ = √(2δ / xᵀFx) x"),
        step_size=("natural step size", "√(2δ / xᵀFx): the scale that puts the full step on the trust "
                                        "region's edge. It shrinks where the policy is sensitive.",
                   "√(2δ / xᵀFx),  x ≈ F⁻¹ g"),
        expected_improvement=("expected improvement", "The surrogate gain the linear model predicted for "
                                                      "the full step; compare with the surrogate improvement.",
                              "gᵀΔ"),
        cg_iterations=("conjugate-gradient iterations", "Iterations to solve F x = g; at the maximum every "
                                                        "time means the solve is cut short.",
                       "k: conjugate-gradient iterations on F x = g"),
        cg_residual=("conjugate-gradient residual", "|F x − g| after the solve; small (≪ |g|) means the "
                                                    "natural gradient is accurate.",
                     "‖F x − g‖"),
        grad_norm=("policy gradient norm", "|g|, the surrogate's gradient; it shrinks as the policy settles.",
                   "‖g‖,  g = ∇_θ L(θ)"),
    )
    equation = "theta <- theta + alpha^j sqrt(2 delta / (x^T F x)) x,  x = F^-1 g;  rho = pi(a|s) / pi_old(a|s)"

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        self.vf_optimizer = self.adam("critic", [self.critic], lr=self.config.vf_lr, eps=1e-5)

    def natural_step(self, obs: torch.Tensor, mb: Samples) -> tuple[torch.Tensor, torch.Tensor, float, dict[str, Any]]:
        """Lines 7-8: theta_old, the full step sqrt(2 delta / x^T F x) x, L(theta_old) and CG's numbers."""
        c = self.config
        params = list(self.actor.parameters())
        theta_old = parameters_to_vector(params).detach().clone()
        L_old = objective(self.actor.log_probs(obs), mb, c.ent_coef)
        g = flat_grad(L_old, params).detach()  # line 7
        kl = categorical_kl(mb.logp_old_all, self.actor.log_probs(obs)).mean()
        Fv = fisher_vector_product(kl, params, c.cg_damping)
        x, iters, residual = conjugate_gradient(Fv, g, c.cg_iters)  # line 8
        xFx = float(torch.dot(x, Fv(x)))
        info: dict[str, Any] = {"cg_iterations": iters, "cg_residual": residual, "grad_norm": float(g.norm())}
        if not (xFx > 0 and np.isfinite(xFx)):  # g = 0: nothing to step along
            return theta_old, torch.zeros_like(theta_old), float(L_old.detach()), {**info, "step_size": 0.0}
        step_size = float(np.sqrt(2 * c.delta / xFx))
        info["step_size"] = step_size
        info["expected_improvement"] = float(torch.dot(g, step_size * x))
        return theta_old, step_size * x, float(L_old.detach()), info

    def evaluator(self, obs: torch.Tensor, mb: Samples) -> Callable[[torch.Tensor], tuple[float, float]]:
        """theta -> (L(theta), mean KL(pi_old || pi_theta)) on the batch; sets the actor to theta."""
        params = list(self.actor.parameters())
        ent_coef = self.config.ent_coef

        @torch.no_grad()
        def evaluate(theta: torch.Tensor) -> tuple[float, float]:
            vector_to_parameters(theta, params)
            logp_all = self.actor.log_probs(obs)  # one log-softmax for L and the KL
            L = objective(logp_all, mb, ent_coef)
            kl = categorical_kl(mb.logp_old_all, logp_all).mean()
            return float(L), float(kl)

        return evaluate

    def learn(self, batch: Batch, obs: torch.Tensor, mb: Samples) -> tuple[dict[str, Any], torch.Tensor]:
        """Lines 7-10 on one batch; the diagnostics say whether and how far the policy moved."""
        c = self.config
        theta_old, full_step, L_old, info = self.natural_step(obs, mb)  # lines 7-8
        if full_step.abs().sum() > 0:  # line 9
            evaluate = self.evaluator(obs, mb)
            found = line_search(evaluate, theta_old, full_step, L_old, c.delta, c.backtrack_coef, c.backtrack_iters)
        else:
            found = LineSearch(theta_old, False, 0.0, 0, L_old, 0.0, 0.0)
        vector_to_parameters(found.theta, list(self.actor.parameters()))
        info.update(
            kl=found.kl, surrogate_improvement=found.L - L_old, line_search_accepted=found.accepted,
            line_search_fraction=found.fraction, line_search_tries=found.tries, kl_full_step=found.kl_full_step,
        )  # fmt: skip
        info["value_loss"] = self.fit_value(obs, mb)  # line 10
        with torch.no_grad():
            logp_all = self.actor.log_probs(obs)
            L, rho = surrogate(logp_all, mb)
            info["entropy"] = float(entropy(logp_all).mean())
            info["policy_loss"] = float(-L)
        return info, rho

    def fit_value(self, obs: torch.Tensor, mb: Samples) -> float:
        """Line 10: vf_epochs passes of minibatch Adam on mean (V(s_t) - R_hat_t)^2; the last loss."""
        c = self.config
        loss = torch.zeros(())
        for _ in range(c.vf_epochs):
            for idx in self.minibatches(len(mb)):
                loss = ((self.critic(obs[idx]).squeeze(-1) - mb.returns[idx]) ** 2).mean()
                self.vf_optimizer.step(loss)
        return float(loss.detach())

    def networks(self) -> dict[str, nn.Module]:
        return {"actor": self.actor, "critic": self.critic}

"""The categorical policy pi_theta(a|s) the policy-gradient agents share, and explained variance.

Every policy-gradient agent here (REINFORCE, actor-critic, PPO, TRPO, GRPO) needs the same
three things from its policy network, for a batch of states at once:

* log pi_theta(.|s) of the states being acted in, to sample a_t from  (acting,
  :func:`sample_actions` on rows of a :class:`~gridrl.agents.common.deep.StateTable`),
* log pi_theta(a_t|s_t) and the entropy H(pi_theta(.|s_t)) of given actions   (the losses),
* pi_theta(.|s) for every state                                      (insight).

:class:`CategoricalPolicy` does these over a softmax of logits: pi_theta(a|s) =
exp(z_a(s)) / sum_b exp(z_b(s)) with z = an MLP of the observation. Sampling uses the
agent's numpy generator, so that a run is a function of its seed alone.

Also here: :func:`explained_variance` (how well a critic predicts its targets),
:func:`flat_grad` and :func:`batched_vjp` (gradients as flat vectors, for TRPO's natural
gradient and REINFORCE's per-episode gradients), and the KL and entropy of categorical
policies that PPO, TRPO and GRPO report (:func:`categorical_kl`, :func:`approx_kl`,
:func:`entropy`).

This module imports torch; only the deep agents import it.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from gridrl.agents.common.deep import mlp


def log_softmax(logits: torch.Tensor) -> torch.Tensor:
    """log pi(a|s) = z_a - log sum_b exp(z_b) over the last dimension (the actions).

    For a batch (B, A) it is computed down the columns of the transposed view: the same
    numbers, but torch's CPU kernel along a last dimension of four actions is about three
    times slower than across a long first dimension (measured at B = 2048).
    """
    if logits.dim() != 2:
        return torch.log_softmax(logits, dim=-1)
    return torch.log_softmax(logits.t(), dim=0).t()


class CategoricalPolicy(nn.Module):
    """pi_theta(a|s) = softmax(z_theta(s))_a over ``n_actions`` discrete actions.

    The output layer starts with gain 0.01, so the first policy is nearly uniform: every
    action is tried before the agent has any reason to prefer one (CleanRL's initialisation).
    """

    def __init__(self, obs_dim: int, n_actions: int, hidden: int = 64, layers: int = 2, one_hot: bool = False) -> None:
        super().__init__()
        self.net = mlp(obs_dim, n_actions, hidden=hidden, layers=layers, out_gain=0.01, one_hot=one_hot)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """Logits z_theta(s), (B, A)."""
        return self.net(obs)

    def log_probs(self, obs: torch.Tensor) -> torch.Tensor:
        """log pi_theta(.|s) for every action, (B, A) (a stable log-softmax)."""
        return log_softmax(self(obs))

    def probs(self, obs: torch.Tensor) -> torch.Tensor:
        """pi_theta(.|s), (B, A): what insight shows for every state."""
        return torch.softmax(self(obs), dim=-1)

    def evaluate(self, obs: torch.Tensor, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """log pi_theta(a_t|s_t) and H(pi_theta(.|s_t)) = -sum_a pi log pi, (B,) each, with grad."""
        logp_all = self.log_probs(obs)
        logp = logp_all.gather(1, actions.long()[:, None]).squeeze(1)
        entropy = -(logp_all.exp() * logp_all).sum(dim=1)
        return logp, entropy


def sample_actions(rng: np.random.Generator, logp_all: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """a ~ pi(.|s) for every row of ``logp_all`` = log pi(.|s), (B, A); and log pi(a|s), (B,).

    Inverse-CDF sampling: a is the first action whose cumulative probability exceeds u ~
    U[0, total), with total the row's sum (1 up to rounding). An action of probability 0 is
    never drawn.
    """
    cdf = np.cumsum(np.exp(logp_all), axis=1)
    u = rng.random(len(cdf)) * cdf[:, -1]
    actions = (u[:, None] >= cdf).sum(axis=1)
    return actions, logp_all[np.arange(len(actions)), actions]


def explained_variance(values: np.ndarray, returns: np.ndarray) -> float:
    """1 - Var[R - V] / Var[R]: how much of the returns' spread the critic predicts.

    1 means V(s_t) predicts the targets R_t exactly; 0 means it does no better than their
    mean; negative means worse than that. NaN when the returns do not vary at all.
    """
    values, returns = np.asarray(values, dtype=np.float64), np.asarray(returns, dtype=np.float64)
    var_returns = float(np.var(returns))
    if var_returns == 0.0:
        return float("nan")
    return float(1.0 - np.var(returns - values) / var_returns)


def flatten(tensors: tuple[torch.Tensor, ...] | list[torch.Tensor]) -> torch.Tensor:
    """The tensors' entries one after another in one vector (any strides: a gradient of a
    :class:`~gridrl.agents.common.deep.OneHotLinear` weight is a transposed view)."""
    return torch.cat([t.reshape(-1) for t in tensors])


def flat_grad(loss: torch.Tensor, params: list[nn.Parameter]) -> torch.Tensor:
    """d loss / d theta flattened into one vector (zeros for parameters the loss ignores)."""
    grads = torch.autograd.grad(loss, params, allow_unused=True)
    return flatten([torch.zeros_like(p) if g is None else g for g, p in zip(grads, params)])


def batched_vjp(outputs: torch.Tensor, params: list[nn.Parameter], vectors: torch.Tensor) -> torch.Tensor:
    """Rows c_k^T d outputs / d theta, (K, |theta|) for K ``vectors`` c_k shaped like ``outputs``.

    One vectorised backward pass (``is_grads_batched``) instead of K, and never the Jacobian
    d outputs / d theta itself (|outputs| x |theta| numbers: gigabytes on a 60 x 60 one-hot
    grid). The graph is kept, so the caller may go on with further batches of vectors.
    """
    grads = torch.autograd.grad(
        outputs, params, grad_outputs=vectors, is_grads_batched=True, retain_graph=True, allow_unused=True
    )
    K = len(vectors)
    return torch.cat([
        torch.zeros(K, p.numel()) if g is None else g.reshape(K, -1) for g, p in zip(grads, params)
    ], dim=1)  # fmt: skip


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

"""Thompson sampling (posterior sampling; Sutton & Barto §2.10, Russo et al. 2018).

    Thompson sampling
    1  Initialize, for a = 1 to k:  a prior p(q*(a))
             Bernoulli arm: Beta(alpha_0, beta_0);   Gaussian arm: N(mu_0, sigma_0^2)
    2  Loop for t = 1, 2, ...:
    3      for each arm a: draw theta(a) ~ p(q*(a) | rewards so far)      (posterior sample)
    4      A_t <- argmax_a theta(a)
    5      R_t <- bandit(A_t)
    6      update the posterior of A_t with R_t:
             Bernoulli:  alpha(A_t) <- alpha(A_t) + R_t,   beta(A_t) <- beta(A_t) + 1 - R_t
             Gaussian:   tau(A_t) <- tau(A_t) + 1/sigma^2,
                         mu(A_t)  <- mu(A_t) + (1/sigma^2)/tau(A_t) [R_t - mu(A_t)]

Each arm is pulled with the probability that it is the best one, given what has been seen:
an arm whose posterior is wide still wins the draw now and then (exploration), an arm
known to be poor almost never does, and exploration dies out on its own as the posteriors
narrow. The book mentions it in §2.10 as "posterior sampling"; it is the Bayesian
counterpart of UCB's optimism.

Posteriors, per arm by its distribution (a mixed level mixes them):

* Bernoulli arm (reward 0 or 1): Beta(alpha_0 + successes, beta_0 + failures), the
  conjugate posterior. Beta(1, 1) is the uniform prior.
* Gaussian arm: reward ~ N(q*(a), sigma^2) with sigma *known*, taken from the level (the
  testbed's ``reward_std`` or the arm's ``std``); prior q*(a) ~ N(mu_0, sigma_0^2).
  Posterior N(mu, 1/tau) with precision tau = 1/sigma_0^2 + N(a)/sigma^2 and
  mu = (mu_0/sigma_0^2 + sum of rewards/sigma^2) / tau. An arm with std 0 (no noise) is
  given sigma^2 = 1e-12: one pull then pins its value.

In both cases the posterior mean is an incremental estimate Q(a) <- Q(a) + step [R - Q(a)]
with step = 1/(n_0 + N(a)), as if the prior were n_0 pseudo-pulls (n_0 = alpha_0 + beta_0,
or sigma^2/sigma_0^2): this posterior mean is the Q shown by :meth:`insight`.
The posteriors assume stationary arms; on a nonstationary level they grow overconfident.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gridrl.agents.base import hp
from gridrl.agents.common.bandit import BanditAgent, argmax_random_ties, flat, run_arrays

#: Floor of a Gaussian arm's known reward variance (an arm with std 0 is noiseless).
MIN_VARIANCE = 1e-12
#: Posterior draws used to estimate pi(a) = P(arm a's sample is the largest) in insight().
PI_SAMPLES = 10_000
#: insight() draws them from a generator seeded with this, so pi is a function of the
#: posteriors alone, and asking for it never moves the agent's own random stream.
PI_SEED = 20180


@dataclass(frozen=True)
class Config:
    prior_alpha: float = hp(1.0, "Bernoulli arms: Beta prior alpha_0 (pseudo-successes)",
                            low=0.0, high=100.0, low_open=True)  # fmt: skip
    prior_beta: float = hp(1.0, "Bernoulli arms: Beta prior beta_0 (pseudo-failures)",
                           low=0.0, high=100.0, low_open=True)  # fmt: skip
    prior_mean: float = hp(0.0, "Gaussian arms: prior mean mu_0 of each arm's value",
                           low=-100.0, high=100.0)  # fmt: skip
    prior_std: float = hp(1.0, "Gaussian arms: prior standard deviation sigma_0 of each arm's value",
                          low=0.0, high=100.0, low_open=True)  # fmt: skip


class Thompson(BanditAgent):
    name = "thompson"
    Config = Config
    summary = "pull each arm with the probability that it is the best: sample the posteriors"

    def init_state(self) -> None:
        c = self.config
        self.bernoulli = self.env.arms.bernoulli.copy()  # (k,) which arms are Bernoulli
        self.variance = np.maximum(self.env.arms.std**2, MIN_VARIANCE)  # known sigma^2 per arm
        self._bern = np.flatnonzero(self.bernoulli)
        self._gauss = np.flatnonzero(~self.bernoulli)
        # n_0: the prior's weight in pseudo-pulls (see the module docstring)
        self.n0 = np.where(self.bernoulli, c.prior_alpha + c.prior_beta, self.variance / c.prior_std**2)
        self.S = run_arrays(self.runs, self.k)  # sum of rewards per arm (= successes if Bernoulli)
        self._pi_cache: tuple[bytes, np.ndarray] | None = None

    def initial_Q(self) -> np.ndarray:
        """The prior means: alpha_0 / (alpha_0 + beta_0), or mu_0."""
        c = self.config
        return np.where(self.bernoulli, c.prior_alpha / (c.prior_alpha + c.prior_beta), c.prior_mean)

    def reset_runs(self, rows: np.ndarray) -> None:
        super().reset_runs(rows)
        self.S[rows] = 0.0

    # ------------------------------------------------------------------ posteriors

    def beta_params(self, S: np.ndarray, N: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Beta(alpha_0 + successes, beta_0 + failures) parameters (meaningful on Bernoulli arms)."""
        return self.config.prior_alpha + S, self.config.prior_beta + (N - S)

    def normal_params(
        self, S: np.ndarray, N: np.ndarray, variance: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation of a Gaussian arm's value (known variance)."""
        c = self.config
        tau = 1.0 / c.prior_std**2 + N / variance  # precision
        mu = (c.prior_mean / c.prior_std**2 + S / variance) / tau
        return mu, 1.0 / np.sqrt(tau)

    def sample(self, rng: np.random.Generator, S: np.ndarray, N: np.ndarray) -> np.ndarray:
        """One draw theta(a) from every arm's posterior: (rows, k) for (rows, k) S and N."""
        if not self._bern.size:  # all Gaussian (the testbed): no column gathering
            mu, sd = self.normal_params(S, N, self.variance)
            return mu + sd * rng.standard_normal(mu.shape)
        theta = np.empty(S.shape)
        if self._bern.size:
            a, b = self.beta_params(S[:, self._bern], N[:, self._bern])
            theta[:, self._bern] = rng.beta(a, b)
        if self._gauss.size:
            mu, sd = self.normal_params(S[:, self._gauss], N[:, self._gauss], self.variance[self._gauss])
            theta[:, self._gauss] = mu + sd * rng.standard_normal(mu.shape)
        return theta

    # ------------------------------------------------------------------ the method

    def select(self) -> np.ndarray:
        self.theta = self.sample(self.rng, self.S, self.N)  # line 3
        return argmax_random_ties(self.rng, self.theta)  # line 4

    def learn(self, a: np.ndarray, r: np.ndarray) -> dict[str, Any]:
        cells = self.pulled  # the (run, A_t) cells, in the flat views
        flat(self.S)[cells] += r  # line 6: successes (Bernoulli) or sum of rewards (Gaussian)
        # The posterior mean moves by step = 1/(n_0 + N(A)), N counting this pull.
        Q = flat(self.Q)
        Q_old = Q[cells]
        step = 1.0 / (self.n0[a] + flat(self.N)[cells])
        Q[cells] = Q_old + step * (r - Q_old)
        a0, N_a = int(a[0]), int(self.N[0, a[0]])
        backup = {"a": a0, "r": float(r[0]), "theta": self.theta[0].copy(),
                  "theta_a": float(self.theta[0, a0]), "Q_old": float(Q_old[0]),
                  "step_size": float(step[0]), "error": float(r[0] - Q_old[0]),
                  "Q_new": float(self.Q[0, a0]), "N_a": N_a}  # fmt: skip
        if self.bernoulli[a0]:
            alpha, beta = self.beta_params(self.S[0, a0], N_a)
            backup.update(alpha_old=float(alpha - r[0]), beta_old=float(beta - (1 - r[0])),
                          alpha_new=float(alpha), beta_new=float(beta))  # fmt: skip
        else:
            mu_old, sd_old = self.normal_params(self.S[0, a0] - r[0], N_a - 1, self.variance[a0])
            mu_new, sd_new = self.normal_params(self.S[0, a0], N_a, self.variance[a0])
            backup.update(mu_old=float(mu_old), sd_old=float(sd_old), mu_new=float(mu_new),
                          sd_new=float(sd_new), sigma=float(np.sqrt(self.variance[a0])))  # fmt: skip
        return backup

    @property
    def equation(self) -> str:
        return "theta(a) ~ posterior(a);  A = argmax_a theta(a);  posterior(A) <- update with R"

    def policy(self) -> np.ndarray:
        """pi(a) = P(theta(a) is the largest draw), by Monte Carlo over ``PI_SAMPLES`` draws
        from a generator with a fixed seed (standard error below 0.005)."""
        key = self.S[0].tobytes() + self.N[0].tobytes()
        if self._pi_cache is None or self._pi_cache[0] != key:
            rng = np.random.default_rng(PI_SEED)
            S = np.broadcast_to(self.S[0], (PI_SAMPLES, self.k))
            N = np.broadcast_to(self.N[0], (PI_SAMPLES, self.k))
            winners = argmax_random_ties(rng, self.sample(rng, S, N))
            pi = np.bincount(winners, minlength=self.k) / PI_SAMPLES
            self._pi_cache = (key, pi[None, :])
        return self._pi_cache[1].copy()

    def agent_extras(self) -> dict[str, Any]:
        S, N = self.S[0], self.N[0]
        alpha, beta = self.beta_params(S, N)
        alpha, beta = np.where(self.bernoulli, alpha, 1.0), np.where(self.bernoulli, beta, 1.0)
        mu, sd = self.normal_params(S, N, self.variance)
        beta_sd = np.sqrt(alpha * beta / ((alpha + beta) ** 2 * (alpha + beta + 1)))
        nan = np.full(self.k, np.nan)
        return {
            "bernoulli": self.bernoulli.copy(),
            "posterior_alpha": np.where(self.bernoulli, alpha, nan),  # Beta, Bernoulli arms
            "posterior_beta": np.where(self.bernoulli, beta, nan),
            "posterior_mean": np.where(self.bernoulli, alpha / (alpha + beta), mu),
            "posterior_std": np.where(self.bernoulli, beta_sd, sd),
        }

    def _learned(self) -> dict[str, Any]:
        return {**super()._learned(), "S": self.S}

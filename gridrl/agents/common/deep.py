"""Machinery shared by the neural agents (DQN, REINFORCE, actor-critic, PPO, TRPO, GRPO).

This module imports torch, so it is imported only by the deep agents' own modules, which the
registry imports only when such an agent is made.

* :func:`mlp` -- the small networks every agent uses, with CleanRL's orthogonal init; on
  one-hot observations a :class:`OneHotMLP` fed state indices, which reads a column of its
  first layer instead of multiplying by zeros and runs once per distinct cell of a batch.
* :class:`FlatAdam` -- the optimiser every agent uses: Adam over parameters kept in one
  flat vector, so that a step is a handful of operations however many tensors there are.
* :class:`StateTable` -- a network's outputs for state indices, computed once per state
  between updates: acting reads pi(.|s) and V(s) from it instead of a forward pass per step.
* :class:`DeepAgent` -- N vectorised environments (gridworld or bandit), observation encoding,
  episode bookkeeping across the N copies, seeding and determinism, insight for every state
  from one batched forward pass, and save/load of the networks.

A deep agent's units: ``step()`` = one step of all N environments (a learning update runs
inside it when the agent's batch is full: ``event.info["updated"]`` is then True and holds
the update's diagnostics); ``update()`` = steps until the next update; ``episode()`` = steps
until environment 0 finishes an episode.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import torch
from torch import nn

from gridrl.agents.base import PROGRESS_EVERY, Agent, Event, Insight, held_steps_limit
from gridrl.envs import BanditVectorEnv, GridWorldVectorEnv
from gridrl.envs.observation import ObservationEncoder
from gridrl.levels import BanditLevel, GridLevel, Level

#: The most steps update() or episode() take before giving up (a policy that never ends).
MAX_STEPS_PER_UNIT = 1_000_000

#: One-hot input gives the first layer a weight per cell and hidden unit, held four times
#: (weights, gradient, Adam's two moments): at most this many, 64 MB a network, which is a
#: 256 x 256 level at hidden = 64. A level past it is refused (``DeepAgent.resource_limit``).
MAX_ONE_HOT_WEIGHTS = 65_536 * 64

#: The smallest normal float32: FlatAdam's floor under v before its square root.
TINY = torch.finfo(torch.float32).tiny

#: Meanings of the diagnostics several deep agents report (see ``Agent.diagnostics``); an
#: agent picks its own with :func:`diagnostics_of` and adds those only it has.
SHARED_DIAGNOSTICS: dict[str, tuple[str, str, str]] = {
    "loss": ("loss", "The total loss the optimiser minimised in this update. Its level means little; "
                     "watch that it does not explode.",
             "L = −L^π + c_V L^V − c_H H(π)  (the terms the agent has)"),
    "policy_loss": ("policy loss", "Minus the policy objective of this update. It moves with the advantages, "
                                   "so it need not fall; steady is fine, spikes are not.",
                    "L^π = −mean_t log π(a_t|s_t) Â_t  (PPO, TRPO: ρ_t Â_t, clipped)"),
    "value_loss": ("value loss", "Mean squared error of the critic V(s) against its return targets. "
                                 "It should fall and settle; growing means the critic cannot keep up.",
                   "L^V = ½ mean_t (V(s_t) − R_t)²"),
    "entropy": ("entropy H(π)", "How random the policy is, in nats (ln 4 ≈ 1.39 is uniform over four moves). "
                                "Healthy: falls slowly as the agent grows sure; near 0 early means it stopped exploring.",
                "H(π) = −mean_t Σ_a π(a|s_t) log π(a|s_t)"),
    "explained_variance": ("explained variance", "How much of the returns' variance the critic V(s) explains: "
                                                 "1 is perfect, 0 no better than a constant, below 0 worse. "
                                                 "Healthy: rises towards 1.",
                           "EV = 1 − Var[R − V(s)] / Var[R]"),
    "grad_norm": ("gradient norm", "Length of the gradient before clipping. Spikes of orders of magnitude "
                                   "mean unstable updates; clipping (max_grad_norm) caps them.",
                  "‖g‖ = √(Σ_i g_i²),  g = ∇_θ L"),
    "mean_return": ("mean return of the batch", "Average return of the episodes this update learnt from; "
                                                "it should rise as the policy improves.",
                    "mean_i G_i over the batch's episodes"),
    "mean_length": ("mean episode length", "Average number of steps of the batch's episodes; on a "
                                           "reach-the-goal level it should fall.",
                    "mean_i T_i over the batch's episodes"),
}


def diagnostics_of(*order: str, **own: tuple[str, str, str]) -> dict[str, tuple[str, str, str]]:
    """An agent's ``diagnostics`` in the given ``order`` (most important first): each key's
    meaning from ``own`` if given there, else from :data:`SHARED_DIAGNOSTICS`."""
    return {k: own[k] if k in own else SHARED_DIAGNOSTICS[k] for k in order}


def seed_torch(seed: int) -> None:
    """Seed torch for this agent's initial weights and make CPU kernels deterministic.

    One thread: the networks here are tiny, and a thread pool costs more than it saves.
    (Actions are sampled with the agent's numpy generator: see :class:`StateTable`.)
    """
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)


class FlatAdam:
    """Adam (Kingma & Ba 2015, Algorithm 1) over the parameters of ``modules``, kept in one
    flat vector.

    Every parameter tensor becomes a view into one vector theta, and its gradient a view into
    one vector g, which backward adds into in place. Zeroing g, clipping its norm and the Adam
    update are then a handful of operations on whole vectors, instead of several per weight
    and bias plus ``torch.optim``'s bookkeeping: on networks this small that overhead costs
    more than the arithmetic (it was about half of a DQN update). The modules stay ordinary
    modules -- forward passes, state dicts and loading are unchanged. The gradient must only
    be zeroed by :meth:`step` (``module.zero_grad()`` would unlink it).

    The update is torch.optim.Adam's (same bias correction and placement of eps):

        m <- beta1 m + (1 - beta1) g            v <- beta2 v + (1 - beta2) g^2
        theta <- theta - lr / (1 - beta1^t) * m / (sqrt(v / (1 - beta2^t)) + eps)
    """

    def __init__(
        self, modules: Iterable[nn.Module], lr: float, eps: float = 1e-8, betas: tuple[float, float] = (0.9, 0.999)
    ) -> None:
        params = [p for module in modules for p in module.parameters()]
        self.theta = torch.cat([p.detach().reshape(-1) for p in params])
        self.g = torch.zeros_like(self.theta)
        offset = 0
        for p in params:
            k = p.numel()
            p.data = self.theta[offset : offset + k].view_as(p)
            p.grad = self.g[offset : offset + k].view_as(p)
            offset += k
        self.lr, self.eps, (self.beta1, self.beta2) = lr, eps, betas
        self.m = torch.zeros_like(self.theta)  # first moment estimate
        self.v = torch.zeros_like(self.theta)  # second (raw) moment estimate
        self.t = 0  # steps taken

    def step(self, loss: torch.Tensor, max_grad_norm: float | None = None) -> float:
        """One Adam step on ``loss``: zero g, backpropagate into it, scale g down to norm
        ``max_grad_norm`` if it is longer (as ``clip_grad_norm_``; None = no clipping), and
        update theta. Returns the norm of g before clipping."""
        g = self.g
        g.zero_()
        loss.backward()
        norm = float(torch.linalg.vector_norm(g))
        if max_grad_norm is not None and norm + 1e-6 > max_grad_norm:
            g.mul_(max_grad_norm / (norm + 1e-6))
        self.t += 1
        with torch.no_grad():
            self.m.lerp_(g, 1 - self.beta1)
            self.v.mul_(self.beta2).addcmul_(g, g, value=1 - self.beta2)
            # sqrt(0) is ten times slower than sqrt(x > 0) on CPU, and a one-hot first layer
            # has a zero v for every cell not yet visited; sqrt(tiny) = 1e-19 is lost in + eps.
            denom = (self.v / (1 - self.beta2**self.t)).clamp_min_(TINY).sqrt_().add_(self.eps)
            self.theta.addcdiv_(self.m, denom, value=-self.lr / (1 - self.beta1**self.t))
        return norm

    def state_dict(self) -> dict[str, np.ndarray]:
        """Adam's moment estimates and step count (saved with the agent)."""
        return {"m": self.m.numpy().copy(), "v": self.v.numpy().copy(), "t": np.array(self.t)}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        if state:
            self.m.copy_(torch.as_tensor(np.asarray(state["m"])))
            self.v.copy_(torch.as_tensor(np.asarray(state["v"])))
            self.t = int(state["t"])


def layer_init(layer: nn.Linear, gain: float = np.sqrt(2), bias: float = 0.0) -> nn.Linear:
    """Orthogonal weights, constant bias (as CleanRL and the PPO implementation details do)."""
    nn.init.orthogonal_(layer.weight, gain)
    nn.init.constant_(layer.bias, bias)
    return layer


class OneHotLinear(nn.Linear):
    """``nn.Linear(n_states, out)`` applied to one-hot vectors e_s, given as the indices s.

    W e_s + b = W[:, s] + b: the layer reads one column instead of multiplying by n_states - 1
    zeros, forward and backward (on a 100-cell level that product is most of a small
    network's arithmetic). Same weights, same initialisation, same state dict as the
    ``nn.Linear`` it stands for: only the input is given as an index tensor.
    """

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        return self.weight.t()[s] + self.bias


class OneHotMLP(nn.Sequential):
    """An MLP on state indices (its first layer a :class:`OneHotLinear`), run once per cell.

    A batch of a few hundred samples on a maze of a hundred cells holds each cell many
    times. The layers run on the distinct cells only and the rows are gathered back: the
    same outputs, and -- the gather's backward sums the rows of each cell -- the same
    gradient, for a fraction of the arithmetic. Small batches (acting) skip the sort.
    """

    #: Batches up to this size run as they are.
    DEDUPLICATE_ABOVE = 256

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        if len(s) <= self.DEDUPLICATE_ABOVE:
            return super().forward(s)
        cells, rows = torch.unique(s, return_inverse=True)
        return super().forward(cells)[rows]


def mlp(
    n_in: int,
    n_out: int,
    hidden: int = 64,
    layers: int = 2,
    out_gain: float = 1.0,
    activation: type[nn.Module] = nn.Tanh,
    one_hot: bool = False,
) -> nn.Sequential:
    """``layers`` hidden layers of width ``hidden`` (tanh unless ``activation`` says otherwise),
    then a linear output with ``out_gain``. With ``one_hot`` the input is a state index and
    the first layer a :class:`OneHotLinear` over ``n_in`` states (a :class:`OneHotMLP`).

    Policy heads use a small output gain (0.01: a near-uniform initial policy); value heads 1.
    """
    modules: list[nn.Module] = []
    size = n_in
    for i in range(layers):
        linear = OneHotLinear if one_hot and i == 0 else nn.Linear
        modules += [layer_init(linear(size, hidden)), activation()]
        size = hidden
    modules.append(layer_init(nn.Linear(size, n_out), gain=out_gain))
    return OneHotMLP(*modules) if one_hot else nn.Sequential(*modules)


class StateTable:
    """``fn(obs(s))`` for state indices s, each state's row computed once between updates.

    Acting needs pi(.|s) (and V(s)) of the N current states at every step, but the networks
    change only at an update -- every T steps, or after a batch of episodes. In between, the
    table answers from the rows it already has. On a level of at most ``whole_table`` cells
    the first lookup after a change computes every row in one batched forward pass (which
    costs about as much as a pass over a few states); on a bigger one, only the rows of the
    states asked for that it has not seen since the change. A network that changes at every
    step (DQN's) wants a smaller ``whole_table``: most rows would be recomputed unread. The
    numbers are the network's own (its float32 output, as float64).
    :meth:`DeepAgent.networks_changed` empties it.
    """

    #: By default, levels with at most this many cells get the whole table at once.
    WHOLE_TABLE = 4096

    def __init__(
        self, fn: Callable[[torch.Tensor], torch.Tensor], obs_all: torch.Tensor, whole_table: int = WHOLE_TABLE
    ) -> None:
        self.fn, self.obs_all, self.whole_table = fn, obs_all, whole_table
        self.rows: np.ndarray | None = None
        self.known = np.zeros(len(obs_all), dtype=bool)

    def clear(self) -> None:
        self.known[:] = False

    def __getitem__(self, states: np.ndarray) -> np.ndarray:
        """The rows of ``states`` (int array), (len(states), ...) float64."""
        missing = states[~self.known[states]]
        if missing.size:
            missing = np.arange(len(self.known)) if len(self.known) <= self.whole_table else np.unique(missing)
            with torch.no_grad():  # only here: entering it costs more than a lookup
                out = self.fn(self.obs_all[torch.from_numpy(missing)]).double().numpy()
            if self.rows is None:
                self.rows = np.zeros((len(self.obs_all), *out.shape[1:]))
            self.rows[missing] = out
            self.known[missing] = True
        return self.rows[states]


class DeepAgent(Agent):
    """Base of the neural agents: vectorised envs, encoded observations, bookkeeping.

    The Config should have ``num_envs`` (else 1), ``obs`` ("onehot" or "coords", gridworlds
    only; default "onehot") and ``gamma`` (None = the level's). The networks read
    ``obs_all_t[s]`` for states s: with one-hot observations that is s itself (their first
    layer is a :class:`OneHotLinear`, built by :meth:`mlp`), else the encoded features.
    A subclass implements
    :meth:`act_and_learn` (one environment step of every copy, learning when its batch is
    full), :meth:`evaluate_states` (pi, and V / Q where it has them, for given observations)
    and :meth:`networks` (the modules to save).
    """

    level_kinds = ("gridworld", "bandit")

    @classmethod
    def resource_limit(cls, level: Level, config: Any) -> str | None:
        """One-hot input: at most MAX_ONE_HOT_WEIGHTS first-layer weights (cells x hidden); an
        agent that learns from whole episodes (:meth:`held_episodes`): at most MAX_HELD_STEPS."""
        if level.kind != "gridworld":
            return None
        if config.obs == "onehot" and level.n_cells * config.hidden > MAX_ONE_HOT_WEIGHTS:
            return (f"{cls.name} with one-hot input supports up to {MAX_ONE_HOT_WEIGHTS // config.hidden:,} cells "
                    f"at hidden={config.hidden} (a first layer of at most {MAX_ONE_HOT_WEIGHTS:,} weights); this "
                    f"level has {level.n_cells:,}. Use obs=coords, whose network does not grow with the level, "
                    "or a smaller level.")  # fmt: skip
        held = cls.held_episodes(level, config)
        return None if held is None else held_steps_limit(cls.name, *held)

    @classmethod
    def held_episodes(cls, level: GridLevel, config: Any) -> tuple[int, int, str] | None:
        """(episodes, the steps each may run to, what to do instead) for an agent that holds
        whole episodes until it learns from them; None for one that learns from rollouts of
        a fixed length."""
        return None

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        seed_torch(seed)
        c = self.config
        self.num_envs = int(getattr(c, "num_envs", 1))
        self.is_bandit = isinstance(level, BanditLevel)
        level_gamma = 1.0 if self.is_bandit else level.dynamics.gamma
        self.gamma = level_gamma if getattr(c, "gamma", None) is None else c.gamma
        self.envs = self.new_envs()
        if isinstance(level, BanditLevel):
            self.n_states, self.n_actions = 1, level.n_arms
            self.one_hot = False
            self.obs_all_t = torch.ones((1, 1))  # one state, one constant feature
        else:
            self.n_states, self.n_actions = level.n_cells, 4
            self.one_hot = getattr(c, "obs", "onehot") == "onehot"
            if self.one_hot:
                self.obs_all_t = torch.arange(self.n_states)
            else:
                encoder = ObservationEncoder(c.obs, *level.shape)
                self.obs_all_t = torch.as_tensor(encoder.batch(np.arange(self.n_states)))
        #: Input size of the networks: the one-hot length or the number of features.
        self.obs_dim = self.n_states if self.one_hot else self.obs_all_t.shape[1]
        self.tables: list[StateTable] = []
        self.optimizers: dict[str, FlatAdam] = {}
        states, _ = self.envs.reset(seed=seed)
        self.states = np.asarray(states)  # (N,) state index of every copy
        self.visits = np.zeros(self.n_states, dtype=np.int64)
        self.episode_return = np.zeros(self.num_envs)
        self.episode_length = np.zeros(self.num_envs, dtype=np.int64)
        self.updates_done = 0

    def new_envs(self) -> Any:
        """The N copies of the level stepped together: N gridworlds, or N pulls of one bandit
        (one draw of its true values for all: N independent runs would be N problems)."""
        if self.is_bandit:
            return BanditVectorEnv(self.level, num_envs=self.num_envs, shared_means=True)
        return GridWorldVectorEnv(self.level, num_envs=self.num_envs, obs="index")

    def rebuild_environment(self) -> None:
        """New vectorised envs with the edited dynamics; the networks keep what they learned."""
        self.envs = self.new_envs()
        states, _ = self.envs.reset(seed=int(self.rng.integers(2**31)))
        self.states = np.asarray(states)
        self.episode_return[:] = 0.0
        self.episode_length[:] = 0

    # ------------------------------------------------------------------ subclass hooks

    def act_and_learn(self) -> Event:
        """One step of all N environments; learn when the batch is full."""
        raise NotImplementedError

    def evaluate_states(self, obs: torch.Tensor) -> dict[str, np.ndarray]:
        """``{"pi": (S, A), "V": (S,) optional, "Q": (S, A) optional}`` for observations ``obs``."""
        raise NotImplementedError

    def networks(self) -> dict[str, nn.Module]:
        """The modules that hold what the agent learned (saved and loaded by name)."""
        raise NotImplementedError

    def adam(self, name: str, modules: Iterable[nn.Module], lr: float, eps: float = 1e-8) -> FlatAdam:
        """A :class:`FlatAdam` over ``modules``, whose state is saved with the agent as ``name``."""
        optimizer = FlatAdam(modules, lr, eps)
        self.optimizers[name] = optimizer
        return optimizer

    def state_table(
        self, fn: Callable[[torch.Tensor], torch.Tensor], whole_table: int = StateTable.WHOLE_TABLE
    ) -> StateTable:
        """A :class:`StateTable` of ``fn`` (e.g. ``actor.log_probs``), emptied at every update."""
        table = StateTable(fn, self.obs_all_t, whole_table)
        self.tables.append(table)
        return table

    def networks_changed(self) -> None:
        """The weights moved (an update, a load): every cached row is stale."""
        for table in self.tables:
            table.clear()

    # ------------------------------------------------------------------ environment helpers

    def mlp(self, n_out: int, **kwargs: Any) -> nn.Sequential:
        """:func:`mlp` from this agent's observations (``hidden`` from the config)."""
        return mlp(self.obs_dim, n_out, self.config.hidden, one_hot=self.one_hot, **kwargs)

    def env_step(self, actions: np.ndarray) -> dict[str, Any]:
        """Step every copy; count visits; close finished episodes.

        Returns ``states`` (the new current states, already reset where an episode ended),
        ``rewards``, ``terminated``, ``truncated``, ``final_states`` (the state each copy was
        in when its episode ended, else the new state) and ``episodes``, a list of
        ``(return, length)`` of the episodes that ended, environment 0's first if it did.
        """
        before = self.states
        self.visits += np.bincount(before, minlength=self.n_states)
        states, rewards, terminated, truncated, infos = self.envs.step(np.asarray(actions))
        states = np.asarray(states)
        final_states = states.copy()
        done = np.asarray(terminated) | np.asarray(truncated)
        if "_final_obs" in infos:
            mask = infos["_final_obs"]
            final_states[mask] = np.asarray(infos["final_obs"])[mask]
        self.episode_return += rewards
        self.episode_length += 1
        episodes = [(float(self.episode_return[i]), int(self.episode_length[i])) for i in np.flatnonzero(done)]
        self.episode_return[done] = 0.0
        self.episode_length[done] = 0
        self.states = states
        rewards = np.asarray(rewards, dtype=np.float64)
        result = {
            "states": states, "rewards": rewards,
            "terminated": np.asarray(terminated), "truncated": np.asarray(truncated),
            "final_states": final_states, "episodes": episodes, "env0_done": bool(done[0]),
        }  # fmt: skip
        if self.is_bandit:  # the bandit curves of metrics.json: one point per pull
            result["curves"] = {
                "mean_reward": np.array([rewards.mean()]),
                "optimal_fraction": np.array([np.mean(infos["optimal"])]),
            }
        return result

    def learning_ends(self, result: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """``(terminated, truncated)`` as the learner should see one step.

        On a bandit every pull is a one-step episode: the next pull does not depend on this
        one, so there is nothing to bootstrap from (and with gamma = 1 and no terminal state a
        value would otherwise grow without bound). The env's own "episode" there is the
        level's run of pulls, which only matters for the curves.
        """
        if self.is_bandit:
            return np.ones(self.num_envs, dtype=bool), np.zeros(self.num_envs, dtype=bool)
        return result["terminated"], result["truncated"]

    def step_event(self, before: np.ndarray, actions: np.ndarray, result: dict[str, Any]) -> Event:
        """The Event of one vectorised step, told from environment 0's point of view."""
        event = Event(
            unit="step", steps=self.num_envs, state=int(before[0]), action=int(actions[0]),
            reward=float(result["rewards"][0]), next_state=int(result["final_states"][0]),
            done=result["env0_done"], episodes=result["episodes"], curves=result.get("curves", {}),
        )  # fmt: skip
        if result["env0_done"]:
            event.episode_return, event.episode_length = result["episodes"][0]
        return event

    # ------------------------------------------------------------------ units

    def step(self) -> Event:
        event = self.act_and_learn()
        if event.info.get("updated"):
            self.networks_changed()
        return event

    def update(self) -> Event:
        """Steps until a learning update happens; the event sums their steps and episodes."""
        return self._steps_until(lambda e: bool(e.info.get("updated")), "update")

    def episode(self) -> Event:
        """Steps until environment 0 finishes an episode."""
        return self._steps_until(lambda e: e.done, "episode")

    def _steps_until(self, stop: Any, unit: str) -> Event:
        steps, episodes, changed = 0, [], []
        curves: dict[str, list[np.ndarray]] = {}
        info: dict[str, Any] = {}
        for i in range(1, MAX_STEPS_PER_UNIT + 1):
            event = self.step()
            steps += event.steps
            if self.on_progress is not None and i % PROGRESS_EVERY == 0:
                self.on_progress(steps, "steps")
            episodes += event.episodes
            changed.append(event.changed)
            for key, values in event.curves.items():
                curves.setdefault(key, []).append(np.atleast_1d(values))
            if event.info.get("updated"):
                info = event.info
            if stop(event):
                break
        event.unit, event.steps, event.episodes, event.info = unit, steps, episodes, info or event.info
        event.changed = np.unique(np.concatenate(changed)) if changed else event.changed
        event.curves = {key: np.concatenate(parts) for key, parts in curves.items()}
        return event

    # ------------------------------------------------------------------ insight, save, load

    @torch.no_grad()
    def insight(self) -> Insight:
        """pi, and V and Q where the agent has them (NaN where not), for every state at once."""
        out = self.evaluate_states(self.obs_all_t)
        S, A = self.n_states, self.n_actions
        V = out.get("V")
        Q = out.get("Q")
        return Insight(
            V=np.full(S, np.nan) if V is None else np.asarray(V, dtype=np.float64),
            Q=np.full((S, A), np.nan) if Q is None else np.asarray(Q, dtype=np.float64),
            pi=np.asarray(out["pi"], dtype=np.float64),
            visits=self.visits.copy(),
            extras={"updates": self.updates_done, **self._bandit_extras(), **out.get("extras", {})},
        )

    def _bandit_extras(self) -> dict[str, Any]:
        """On a bandit: run 0's true arm values, for the bar view (snapshot.json's ``true_means``)."""
        return {"true_means": self.envs.true_means[0].copy()} if self.is_bandit else {}

    def state_dict(self) -> dict[str, Any]:
        state: dict[str, Any] = {"updates_done": self.updates_done, "visits": self.visits.copy()}
        for name, module in self.networks().items():
            for key, tensor in module.state_dict().items():
                state[f"{name}.{key}"] = tensor.detach().cpu().numpy().copy()
        for name, optimizer in self.optimizers.items():
            for key, value in optimizer.state_dict().items():
                state[f"optimizer.{name}.{key}"] = value
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        modules = self.networks()
        grouped: dict[str, dict[str, torch.Tensor]] = {name: {} for name in modules}
        adam_states: dict[str, dict[str, np.ndarray]] = {name: {} for name in self.optimizers}
        for key, value in state.items():
            if key in ("updates_done", "visits"):
                continue
            if key.startswith("optimizer."):  # saved before optimisers were: absent, fresh Adam
                name, _, field = key.removeprefix("optimizer.").partition(".")
                if name in adam_states:
                    adam_states[name][field] = np.asarray(value)
                continue
            name, _, param = key.partition(".")
            if name not in grouped:
                raise KeyError(f"agent '{self.name}' has no network '{name}'")
            grouped[name][param] = torch.as_tensor(np.asarray(value))
        for name, module in modules.items():
            module.load_state_dict(grouped[name])
        for name, optimizer in self.optimizers.items():
            optimizer.load_state_dict(adam_states[name])
        self.networks_changed()
        self.updates_done = int(state.get("updates_done", self.updates_done))
        if "visits" in state:
            self.visits = np.asarray(state["visits"], dtype=np.int64).copy()

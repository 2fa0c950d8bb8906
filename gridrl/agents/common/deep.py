"""Machinery shared by the neural agents (DQN, REINFORCE, actor-critic, PPO, TRPO, GRPO).

This module imports torch, so it is imported only by the deep agents' own modules, which the
registry imports only when such an agent is made.

* :func:`mlp` -- the small networks every agent uses, with CleanRL's orthogonal init.
* :class:`DeepAgent` -- N vectorised environments (gridworld or bandit), observation encoding,
  episode bookkeeping across the N copies, seeding and determinism, insight for every state
  from one batched forward pass, and save/load of the networks.

A deep agent's units: ``step()`` = one step of all N environments (a learning update runs
inside it when the agent's batch is full: ``event.info["updated"]`` is then True and holds
the update's diagnostics); ``update()`` = steps until the next update; ``episode()`` = steps
until environment 0 finishes an episode.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from gridrl.agents.base import Agent, Event, Insight
from gridrl.envs import BanditVectorEnv, GridWorldVectorEnv
from gridrl.envs.observation import ObservationEncoder
from gridrl.levels import BanditLevel, Level

#: The most steps update() or episode() take before giving up (a policy that never ends).
MAX_STEPS_PER_UNIT = 1_000_000


def seed_torch(seed: int) -> torch.Generator:
    """Seed torch for this agent and make CPU kernels deterministic; returns a generator.

    One thread: the networks here are tiny, and a thread pool costs more than it saves.
    """
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    return torch.Generator().manual_seed(seed)


def layer_init(layer: nn.Linear, gain: float = np.sqrt(2), bias: float = 0.0) -> nn.Linear:
    """Orthogonal weights, constant bias (as CleanRL and the PPO implementation details do)."""
    nn.init.orthogonal_(layer.weight, gain)
    nn.init.constant_(layer.bias, bias)
    return layer


def mlp(n_in: int, n_out: int, hidden: int = 64, layers: int = 2, out_gain: float = 1.0) -> nn.Sequential:
    """``layers`` hidden tanh layers of width ``hidden``, then a linear output with ``out_gain``.

    Policy heads use a small output gain (0.01: a near-uniform initial policy); value heads 1.
    """
    modules: list[nn.Module] = []
    size = n_in
    for _ in range(layers):
        modules += [layer_init(nn.Linear(size, hidden)), nn.Tanh()]
        size = hidden
    modules.append(layer_init(nn.Linear(size, n_out), gain=out_gain))
    return nn.Sequential(*modules)


class DeepAgent(Agent):
    """Base of the neural agents: vectorised envs, encoded observations, bookkeeping.

    The Config should have ``num_envs`` (else 1), ``obs`` ("onehot" or "coords", gridworlds
    only; default "onehot") and ``gamma`` (None = the level's). A subclass implements
    :meth:`act_and_learn` (one environment step of every copy, learning when its batch is
    full), :meth:`evaluate_states` (pi, and V / Q where it has them, for given observations)
    and :meth:`networks` (the modules to save).
    """

    level_kinds = ("gridworld", "bandit")

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        self.torch_rng = seed_torch(seed)
        c = self.config
        self.num_envs = int(getattr(c, "num_envs", 1))
        self.is_bandit = isinstance(level, BanditLevel)
        level_gamma = 1.0 if self.is_bandit else level.dynamics.gamma
        self.gamma = level_gamma if getattr(c, "gamma", None) is None else c.gamma
        if isinstance(level, BanditLevel):
            self.envs: Any = BanditVectorEnv(level, num_envs=self.num_envs)
            self.n_states, self.n_actions = 1, level.n_arms
            self.obs_all = np.ones((1, 1), dtype=np.float32)  # one state, one constant feature
        else:
            mode = getattr(c, "obs", "onehot")
            self.envs = GridWorldVectorEnv(level, num_envs=self.num_envs, obs="index")
            self.encoder = ObservationEncoder(mode, *level.shape)
            self.n_states, self.n_actions = level.n_cells, 4
            self.obs_all = self.encoder.batch(np.arange(self.n_states))
        self.obs_dim = self.obs_all.shape[1]
        self.obs_all_t = torch.as_tensor(self.obs_all)
        states, _ = self.envs.reset(seed=seed)
        self.states = np.asarray(states)  # (N,) state index of every copy
        self.visits = np.zeros(self.n_states, dtype=np.int64)
        self.episode_return = np.zeros(self.num_envs)
        self.episode_length = np.zeros(self.num_envs, dtype=np.int64)
        self.updates_done = 0

    def rebuild_environment(self) -> None:
        """New vectorised envs with the edited dynamics; the networks keep what they learned."""
        if isinstance(self.level, BanditLevel):
            self.envs = BanditVectorEnv(self.level, num_envs=self.num_envs)
        else:
            self.envs = GridWorldVectorEnv(self.level, num_envs=self.num_envs, obs="index")
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

    # ------------------------------------------------------------------ environment helpers

    def encode(self, states: np.ndarray) -> np.ndarray:
        """Observations (N, obs_dim) float32 of state indices."""
        return self.obs_all[np.asarray(states, dtype=np.int64)]

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
        if self.is_bandit:  # the bandit curves of DESIGN.md §5: one point per pull
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
        return self.act_and_learn()

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
        for _ in range(MAX_STEPS_PER_UNIT):
            event = self.act_and_learn()
            steps += event.steps
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
        """On a bandit: run 0's true arm values, for the bar view (DESIGN.md §5's snapshot)."""
        return {"true_means": self.envs.true_means[0].copy()} if self.is_bandit else {}

    def state_dict(self) -> dict[str, Any]:
        state: dict[str, Any] = {"updates_done": self.updates_done, "visits": self.visits.copy()}
        for name, module in self.networks().items():
            for key, tensor in module.state_dict().items():
                state[f"{name}.{key}"] = tensor.detach().cpu().numpy().copy()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        modules = self.networks()
        grouped: dict[str, dict[str, torch.Tensor]] = {name: {} for name in modules}
        for key, value in state.items():
            if key in ("updates_done", "visits"):
                continue
            name, _, param = key.partition(".")
            if name not in grouped:
                raise KeyError(f"agent '{self.name}' has no network '{name}'")
            grouped[name][param] = torch.as_tensor(np.asarray(value))
        for name, module in modules.items():
            module.load_state_dict(grouped[name])
        self.updates_done = int(state.get("updates_done", self.updates_done))
        if "visits" in state:
            self.visits = np.asarray(state["visits"], dtype=np.int64).copy()

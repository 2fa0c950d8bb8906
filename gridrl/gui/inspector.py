"""The cell inspector's text: a cell's numbers and its last update written out with numbers.

Pure functions from numbers to lines of text, so they are tested without a window. The
update is written the way the book writes it, then with the actual numbers substituted:

    delta = r + gamma max_a' Q(s',a') - Q(s,a)
          = -1 + 1·(-12.3) - (-11.9) = -1.4
    Q(s,a) <- Q(s,a) + alpha delta = -11.9 + 0.5·(-1.4) = -12.6

Cells are named one way everywhere a user reads them (the inspector, status lines, the
editor, ``gridrl train``'s summary, level errors): row and column counted from 1 at the
top-left, "row 3, col 1", or "(3, 1)" where room is short (:func:`cell_name`). The state
index ``s = (row - 1) * cols + (col - 1)``, counted from 0 as the agents and arrays count,
is shown only as "s = 24" next to the cell's name.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from gridrl.gui.changes import UpdateChange

ARROWS = ("↑", "→", "↓", "←")
ACTION_NAMES = ("up", "right", "down", "left")

_SYMBOLS = [
    (r"<-", "←"), (r"\balpha\b", "α"), (r"\bgamma\b", "γ"), (r"\bepsilon\b", "ε"),
    (r"\bdelta\b", "δ"), (r"\btheta\b", "θ"), (r"\blambda\b", "λ"), (r"\bsum_", "Σ_"),
    (r"\bpi\b", "π"), (r"\bmax_", "max_"), (r"\bsqrt\b", "√"),
]  # fmt: skip


def pretty(equation: str) -> str:
    """ASCII maths of the agents' ``equation`` strings with Greek letters and arrows."""
    for pattern, symbol in _SYMBOLS:
        equation = re.sub(pattern, symbol, equation)
    return equation


def num(x: Any) -> str:
    """A number short enough for the inspector: 4 significant digits, no '-0'."""
    try:
        x = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(x):
        return "–"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if x == 0:
        return "0"
    text = f"{x:.4g}"
    return text


def paren(x: Any) -> str:
    """A number as a term: negative numbers in parentheses."""
    text = num(x)
    return f"({text})" if text.startswith("-") else text


def _arm(names: Sequence[str] | None, a: int) -> str:
    if names is not None and 0 <= a < len(names) and not str(names[a]).isdigit():
        return f"arm '{names[a]}'"
    return f"arm {a + 1}"


def _step_text(b: dict[str, Any]) -> str:
    """The step size as the book writes it: 1/N for sample averages, else the number."""
    step, n = b.get("step_size"), b.get("N_a")
    if n and step and abs(float(step) - 1.0 / float(n)) < 1e-12:
        return f"1/{int(n)}"
    return num(step)


def cell_name(s: int, cols: int, short: bool = False) -> str:
    """State ``s`` of a grid ``cols`` wide as users read it: "row 3, col 1", or "(3, 1)"."""
    row, col = divmod(int(s), cols)
    return f"({row + 1}, {col + 1})" if short else f"row {row + 1}, col {col + 1}"


def update_lines(equation: str, backup: dict[str, Any], kind: str, arm_names: Sequence[str] | None = None,
                 cols: int | None = None) -> list[str]:  # fmt: skip
    """The update written out: the equation, then the same with the numbers of ``backup``,
    the way an update of ``kind`` (the registry's ``AgentInfo.backup``) is written; with
    ``cols`` (the grid's width) its cells are named "(row, col)" instead of by index."""
    b = backup
    lines = [pretty(equation)] if equation else []
    if not b:
        return lines
    if "skipped" in b:
        return [*lines, f"this cell is a {b['skipped']}: V = 0, never backed up"]
    if kind == "dp":
        lines += _improvement_lines(b) if b.get("phase") == "improvement" else _dp_lines(b)
    elif kind == "mc" and "Q_new" not in b:
        lines.append(f"step t = {b['t']}: a = {ARROWS[int(b['a'])]}, r = {num(b['r'])} (recorded)")
    elif kind == "mc":
        lines += _mc_lines(b)
    elif kind == "td":
        lines += _td_lines(b, cols)
    elif kind == "gradient-bandit":
        lines += _gradient_bandit_lines(b, arm_names)
    elif kind == "bandit":
        lines += _bandit_lines(b, arm_names)
    elif kind == "dqn" and "target" in b and "s" in b and cols:
        lines += _dqn_lines(b, cols)
    elif kind == "actor-critic" and "A_gae" in b and cols:
        lines += _sample_lines(b, cols)
    else:
        lines += _generic_lines(b)
    return lines


def _dp_lines(b: dict[str, Any]) -> list[str]:
    gamma, r, q = b.get("gamma", 1.0), b["r"], b["q"]
    nexts = b.get("expected_next")
    lines = ["per action:  q(s,a) = r + γ Σ p(s'|s,a) V(s')"]
    for a, (ra, qa) in enumerate(zip(r, q)):
        if nexts is not None:
            lines.append(f"  {ARROWS[a]}  {num(ra)} + {num(gamma)}·{paren(nexts[a])} = {num(qa)}")
        else:
            lines.append(f"  {ARROWS[a]}  q = {num(qa)}")
    if "pi" in b:
        terms = " + ".join(f"{num(p)}·{paren(qa)}" for p, qa in zip(b["pi"], q) if p)
        lines.append(f"V(s) ← Σ π(a|s) q(s,a) = {terms} = {num(b['V_new'])}")
    elif "a" in b:
        lines.append(f"V(s) ← max_a q(s,a) = q(s,{ARROWS[int(b['a'])]}) = {num(b['V_new'])}")
    else:
        lines.append(f"V(s) ← {num(b['V_new'])}")
    if "V_old" in b:
        lines.append(f"was {num(b['V_old'])}: ΔV = {num(b.get('delta', b['V_new'] - b['V_old']))}")
    return lines


def _improvement_lines(b: dict[str, Any]) -> list[str]:
    q = b["q"]
    lines = ["q(s,·) = " + "  ".join(f"{ARROWS[a]} {num(v)}" for a, v in enumerate(q))]
    old = b.get("old_action", -1)
    old_text = ARROWS[old] if isinstance(old, int) and old >= 0 else "random"
    lines.append(f"π(s): {old_text} → {ARROWS[int(b['a'])]} (argmax)")
    return lines


def _td_lines(b: dict[str, Any], cols: int | None) -> list[str]:
    r, gamma, q_old, target = b["r"], b.get("gamma", 1.0), b["Q_old"], b["target"]
    alpha, delta, q_new = b["alpha"], b.get("td_error", target - q_old), b["Q_new"]
    if "max_Q_next" in b:
        next_name, next_value = "max_a' Q(s',a')", b["max_Q_next"]
    elif "expected_Q_next" in b:
        next_name, next_value = "Σ π(a'|s') Q(s',a')", b["expected_Q_next"]
    elif "Q_next" in b:
        next_name, next_value = "Q(s',a')", b["Q_next"]
    else:
        next_name = "V(s')"
        next_value = (target - r) / gamma if gamma else 0.0
    a = int(b.get("a", 0))
    def cell(key: str) -> Any:
        s = b.get(key)
        return cell_name(s, cols, short=True) if cols and isinstance(s, (int, np.integer)) else s

    head = f"s = {cell('s')}, a = {ARROWS[a]}, r = {num(r)}, s' = {cell('s_next')}"
    return [
        head,
        f"δ = r + γ {next_name} − Q(s,a)",
        f"  = {num(r)} + {num(gamma)}·{paren(next_value)} − {paren(q_old)} = {num(delta)}",
        f"Q(s,{ARROWS[a]}) ← Q(s,a) + α δ = {num(q_old)} + {num(alpha)}·{paren(delta)} = {num(q_new)}",
    ]


def _dqn_lines(b: dict[str, Any], cols: int) -> list[str]:
    """A DQN transition: its target y from the target network and its TD error under Q now."""
    a, s, s_next = int(b["a"]), cell_name(b["s"], cols, True), cell_name(b["s_next"], cols, True)
    after = "0 (terminal)" if b.get("terminated") else f"{num(b['gamma'])}·{paren(b['Q_target_next'])}"
    return [
        f"transition s = {s}, a = {ARROWS[a]}, r = {num(b['r'])}, s' = {s_next}",
        f"y = r + γ max_a' Q̂(s',a') = {num(b['r'])} + {after} = {num(b['target'])}",
        f"δ = y − Q(s,{ARROWS[a]}) = {num(b['target'])} − {paren(b['Q'])} = {num(b['td_error'])}",
    ]


def _sample_lines(b: dict[str, Any], cols: int) -> list[str]:
    """An actor-critic's sample in this cell: its advantage and how far the update moved it."""
    a = ARROWS[int(b["a"])]
    lines = [
        f"sample a = {a}: return R = {num(b['return'])}, V_old(s) = {num(b['V_old'])}",
        f"Â = {num(b['A_gae'])} (GAE), {num(b['A_hat'])} as the loss used it",
        f"ρ = π(a|s) / π_old(a|s) = {num(b['rho'])} after the update",
    ]
    if "clip_active" in b:
        lines[-1] += f"; clip [1−{num(b['eps'])}, 1+{num(b['eps'])}] " + ("active" if b["clip_active"] else "not active")
    return lines


def signed(x: Any) -> str:
    """A change: "+0.12", "-0.3", "0"."""
    text = num(x)
    return text if text.startswith("-") or text in ("0", "–") else f"+{text}"


def change_lines(change: UpdateChange, s: int) -> list[str]:
    """What a network update did to cell ``s``: ΔV(s), ΔQ(s,·) and Δπ(·|s) with their total
    variation TV = ½ Σ_a |Δπ(a|s)|, and the glow it gave the cell."""
    before, after, lines = change.before, change.after, []
    if np.isfinite(change.dV[s]):
        lines.append(f"ΔV(s) = {signed(change.dV[s])}:  {num(before.V[s])} → {num(after.V[s])}")
    if np.isfinite(change.dQ[s]).all():
        lines.append("ΔQ(s,·): " + "  ".join(f"{ARROWS[a]} {signed(d)}" for a, d in enumerate(change.dQ[s])))
    dpi = np.asarray(after.pi[s], dtype=float) - np.asarray(before.pi[s], dtype=float)
    lines.append("Δπ(·|s): " + "  ".join(f"{ARROWS[a]} {signed(d)}" for a, d in enumerate(dpi)))
    lines.append(f"TV = ½ Σ|Δπ| = {num(change.tv[s])}; glow {num(round(float(change.size[s]), 2))} of the board's largest")
    return lines


def _mc_lines(b: dict[str, Any]) -> list[str]:
    a = int(b.get("a", 0))
    step = b.get("alpha", b.get("step_size"))
    lines = [f"first visit of (s, {ARROWS[a]}) at t = {b.get('t', 0)}: return G = {num(b['G'])}"]
    if "N" in b:
        lines.append(f"N(s,a) = {b['N']}, step size = {num(step)}")
    lines.append(
        f"Q(s,{ARROWS[a]}) ← Q + step·[G − Q] = {num(b['Q_old'])} + {num(step)}·"
        f"({num(b['G'])} − {paren(b['Q_old'])}) = {num(b['Q_new'])}"
    )
    return lines


def _bandit_lines(b: dict[str, Any], names: Sequence[str] | None) -> list[str]:
    a = int(b.get("a", 0))
    lines = [f"pulled {_arm(names, a)}: R = {num(b.get('r'))}"]
    if "theta_a" in b:
        lines.append(f"posterior draw θ(A) = {num(b['theta_a'])} was the largest")
    step = _step_text(b)
    lines.append(
        f"Q(A) ← Q(A) + {step}·[R − Q(A)] = {num(b['Q_old'])} + "
        f"{step}·({num(b.get('r'))} − {paren(b['Q_old'])}) = {num(b['Q_new'])}"
    )
    return lines


def _gradient_bandit_lines(b: dict[str, Any], names: Sequence[str] | None) -> list[str]:
    a = int(b.get("a", 0))
    return [
        f"pulled {_arm(names, a)} (π = {num(b.get('pi_a'))}): R = {num(b.get('r'))}, "
        f"baseline R̄ = {num(b.get('baseline'))}",
        f"H(A) ← H(A) + α (R − R̄)(1 − π(A)) = {num(b['H_old'])} + {num(b.get('alpha'))}·"
        f"{paren(b.get('error'))}·{paren(1 - float(b.get('pi_a', 0)))} = {num(b['H_new'])}",
    ]


def _generic_lines(b: dict[str, Any]) -> list[str]:
    parts = []
    for key, value in b.items():
        if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
            parts.append(f"{key} = {num(value)}")
    lines, line = [], ""
    for part in parts:
        if len(line) + len(part) > 44:
            lines.append(line)
            line = ""
        line = f"{line}, {part}" if line else part
    if line:
        lines.append(line)
    return lines


# --------------------------------------------------------------------------- a cell


V_TRUE_LABEL = "exact v_π(s), from the model"
TRACE_LABEL = "eligibility trace"


@dataclass
class CellReport:
    """Everything the inspector shows about one cell."""

    title: str
    tile: str
    V: float
    Q: np.ndarray
    pi: np.ndarray
    visits: int | None
    update_title: str = ""
    update: list[str] = field(default_factory=list)
    #: The action-value column: "Q(s,a)", or "A(s,a)" for an actor-critic's advantages,
    #: which ``q_note`` then defines.
    q_title: str = "Q(s,a)"
    q_note: str = ""
    #: A prediction agent's target: the exact v_pi(s) of the model, beside its estimate V(s).
    v_true: float | None = None
    #: The cell's eligibility trace now: z(s) (a number) or z(s, a) (one per action), or None.
    trace: np.ndarray | None = None

    def trace_line(self) -> str:
        """ "z(s) = 0.43", or "z(s,a): ↑ 0  → 0.81  ↓ 0  ← 0"; "" without traces."""
        if self.trace is None:
            return ""
        z = np.atleast_1d(np.asarray(self.trace, dtype=float))
        if z.size == 1:
            return f"{TRACE_LABEL} z(s) = {num(z[0])}"
        return f"{TRACE_LABEL} z(s,a): " + "  ".join(f"{ARROWS[a]} {num(v)}" for a, v in enumerate(z))

    def lines(self) -> list[str]:
        """The whole report as plain text lines (what the tests read)."""
        out = [self.title, self.tile, f"V(s) = {num(self.V)}"]
        if self.v_true is not None:
            out.append(f"{V_TRUE_LABEL} = {num(self.v_true)}")
        if self.trace is not None:
            out.append(self.trace_line())
        out.append(f"{self.q_title}: " + "  ".join(f"{ARROWS[a]} {num(q)}" for a, q in enumerate(self.Q)))
        if self.q_note:
            out.append(self.q_note)
        out.append("π(a|s): " + "  ".join(f"{ARROWS[a]} {num(p)}" for a, p in enumerate(self.pi)))
        if self.visits is not None:
            out.append(f"visits: {self.visits}")
        if self.update_title:
            out.append(self.update_title)
        out += self.update
        return out


def tile_text(level: Any, s: int) -> str:
    """What the cell is, in words: its tile kind and what entering it does."""
    rows, cols = level.shape
    row, col = divmod(s, cols)
    char = level.layout[row][col]
    kind = level.tile(char)
    if kind.wall:
        return f"'{char}' wall: cannot be entered"
    words = []
    if kind.start:
        words.append("start")
    if kind.terminal:
        words.append("terminal")
    if kind.teleport:
        words.append(f"teleports to '{kind.teleport}'")
    if kind.exit_to:
        words.append(f"any action → '{kind.exit_to}' paying {num(kind.exit_reward)}")
    if any(kind.wind):
        words.append(f"wind {kind.wind}")
    name = ", ".join(words) or "floor"
    step = level.dynamics.step_reward
    reward = kind.reward + step
    return f"'{char}' {name}; entering pays {num(reward)}" + (
        f" ({num(kind.reward)} + step {num(step)})" if kind.reward and step else ""
    )


#: What an actor-critic's A(s,a) column holds: the mean, over the last batch's samples of
#: (s, a), of the GAE advantage the update used (see gridrl.agents.common.gae).
ADVANTAGE_NOTE = "A(s,a) = mean GAE Â_t of the batch's (s,a): Â_t = Σ_l (γλ)^l δ_t+l, δ_t = r_t + γ V(s_t+1) − V(s_t)"


def no_update_title(recorded: dict[int, tuple[str, dict[str, Any], int]], s: int, changed: Sequence[int], cols: int) -> str:
    """Why a cell shows no update of its own, truthfully: the trainer keeps one update per
    unit (``recorded``: cell -> (equation, backup, unit number)), so an episode unit keeps
    its last step's only, though ``changed`` (the last unit's cells) may include this one."""
    if not recorded:
        return "No update seen since the app started showing this agent."
    where = cell_name(max(recorded, key=lambda k: recorded[k][2]), cols)
    if s in np.asarray(changed).tolist():
        return f"The last unit changed this cell too; the update kept is its last, at ({where})."
    return f"The last update was elsewhere: ({where})."


def cell_report(
    level: Any, s: int, V: np.ndarray, Q: np.ndarray, pi: np.ndarray, visits: np.ndarray | None,
    update: tuple[str, dict[str, Any], str] | None, kind: str, *, no_update: str,
    action_values: tuple[Any, str, str] | None = None,
) -> CellReport:  # fmt: skip
    """The inspector's report on cell ``s``; ``update`` is (equation, backup, when) of the
    last update that touched it, if any, made by an agent whose updates are of ``kind``, else
    ``no_update`` says why there is none (:func:`no_update_title`). ``action_values``: what
    the Q overlay draws (gridrl.gui.driver.action_values); its A(s,a) replace the Q column."""
    cols = level.shape[1]
    values, label, _ = action_values or (Q, "Q(s,a)", "")
    advantages = values is not None and label.startswith("A(")
    report = CellReport(
        title=f"Cell {cell_name(s, cols)}  (s = {s})",
        tile=tile_text(level, int(s)),
        V=float(V[s]),
        Q=np.asarray((values if advantages else Q)[s], dtype=float),
        pi=np.asarray(pi[s], dtype=float),
        visits=None if visits is None else int(visits[s]),
        q_title="A(s,a)" if advantages else "Q(s,a)",
        q_note=ADVANTAGE_NOTE if advantages else "",
    )
    if update is not None:
        equation, backup, when = update
        report.update_title = f"Last update of this cell ({when}):"
        report.update = update_lines(equation, backup, kind, cols=cols)
    else:
        report.update_title = no_update
    return report

"""The inspector panel on the right: the selected cell's numbers and its last update written
out (:mod:`gridrl.gui.inspector` writes the text), a bandit's arms as a table, or, with no
cell selected, the level, the agent and how to read the board."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pygame

from gridrl.gui.inspector import (ARROWS, V_TRUE_LABEL, CellReport, cell_report, change_lines, no_update_title, num, pretty,
                                  update_lines)  # fmt: skip
from gridrl.gui.status import draw_lines, wrap
from gridrl.render import text as rtext
from gridrl.render.colors import PALETTE, THEME, mix

if TYPE_CHECKING:
    from gridrl.gui.scene_train import TrainScene


class InspectorPanel:
    """The inspector of ``scene``, in ``scene.layout.inspector``: ``report`` is computed in
    ``update`` (:meth:`compute`), ``draw`` only draws it."""

    def __init__(self, scene: TrainScene) -> None:
        self.scene = scene
        self.report: CellReport | None = None
        #: The bandit table's cells as drawn (a layout test checks that none overlap).
        self.bandit_table_rects: list[pygame.Rect] = []

    def compute(self, source: dict[str, Any]) -> None:
        """The selected cell's report from ``source`` (see TrainingDriver.source); None with
        no cell selected or on a bandit."""
        if self.scene.selected is None or not self.scene.trainer.is_grid:
            self.report = None
            return
        self.report = self._report(source)

    def _report(self, source: dict[str, Any]) -> CellReport:
        """The report from the values shown (the live insight, taken in the worker thread
        right after its last unit, or a snapshot's) and what the last update did here. Only
        DP reads its agent here (its explanation of the cell): not while a sweep runs."""
        t, s = self.scene.trainer, int(self.scene.selected)
        update = None
        if t.is_dp and t.busy and self.report is not None and self.report.title.endswith(f"(s = {s})"):
            return self.report
        if t.is_dp and (t.agent.sweeps > 0 or s in t.last_update):
            entry = t.last_update.get(s)
            if entry is not None and entry[1].get("phase") == "improvement":
                update = (entry[0], entry[1], f"unit {entry[2]}")
            else:
                update = (t.agent.equation, t.agent.explain(s), f"sweep {t.agent.sweeps}")
        elif s in t.last_update and not t.is_deep:
            equation, backup, unit_no = t.last_update[s]
            update = (equation, backup, _ago(t.units_run - unit_no))
        changed = () if t.last_event is None else t.last_event.changed
        report = cell_report(self.scene.level, s, source["V"], source["Q"], source["pi"],
                             None if t.is_dp else source["visits"], update, t.backup_kind,
                             no_update=no_update_title(t.last_update, s, changed, self.scene.level.shape[1]),
                             action_values=source["action_values"])  # fmt: skip
        v_pi = source["extras"].get("v_pi")
        report.v_true = None if v_pi is None else float(v_pi[s])
        traces = source["extras"].get("traces")
        report.trace = None if traces is None else np.array(traces[s], dtype=float)
        if t.is_deep:
            self._network_change(report, s)
        if self.scene.driver.view_snapshot is not None:
            report.update_title = report.update_title.replace("Last update", "Latest update (live)")
        return report

    def _network_change(self, report: CellReport, s: int) -> None:
        """A deep agent's update moves every cell: the report says how much it moved this one
        (and, after it, the sample the update drew here, if any)."""
        t, change = self.scene.trainer, self.scene.trainer.last_change
        if change is None:
            report.update_title = "No network update yet: the agent is still collecting experience."
            return
        what = "the last update" if change.updates == 1 else f"the last {change.updates} updates"
        report.update_title = f"What {what} did here ({_ago(t.units_run - change.unit)}):"
        report.update = [pretty(change.equation), *change_lines(change, s)]
        if s in t.last_update:
            _, backup, unit_no = t.last_update[s]
            sample = update_lines("", backup, t.backup_kind, cols=self.scene.level.shape[1])
            report.update += [f"Its latest sample here ({_ago(t.units_run - unit_no)}):", *sample]

    def _panel(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        pygame.draw.rect(surface, (255, 255, 255), rect, border_radius=8)
        pygame.draw.rect(surface, THEME["panel_border"], rect, 1, border_radius=8)

    @property
    def rect(self) -> pygame.Rect:
        """The panel's place: on a bandit, where no cell can be edited or walked, it also
        takes the room of those panels below it."""
        lay = self.scene.layout
        return lay.inspector if self.scene.trainer.is_grid else lay.inspector.union(lay.manual)

    def draw(self, surface: pygame.Surface) -> None:
        r = self.rect
        if r.w <= 0:  # presentation mode with the settings shown: no inspector
            return
        self._panel(surface, r)
        x, y, w = r.x + self.scene.px(12), r.y + self.scene.px(10), r.w - self.scene.px(24)
        bottom = r.bottom - 8
        rtext.blit(surface, "INSPECTOR", self.scene.fs(12), THEME["text_muted"], (x, y), anchor="topleft", bold=True)
        y += self.scene.px(22)
        if self.scene.trainer.is_bandit:
            self._draw_bandit_inspector(surface, x, y, w, bottom)
        elif self.report is None:
            self._draw_intro(surface, x, y, w, bottom)
        else:
            self._draw_report(surface, self.report, x, y, w, bottom)

    def _draw_intro(self, surface: pygame.Surface, x: int, y: int, w: int, bottom: int) -> None:
        level, t = self.scene.level, self.scene.trainer
        y = draw_lines(surface, [level.name], x, y, w, bottom, size=self.scene.fs(15), bold=True)
        y = draw_lines(surface, [_blurb(self.scene.level.description)], x, y + 2, w, bottom, size=self.scene.fs(13), color=THEME["text_muted"])
        y = draw_lines(surface, [f"Agent: {t.agent_name}"], x, y + 8, w, bottom, size=self.scene.fs(13), bold=True)
        if self.scene.agent_summary:
            y = draw_lines(surface, [self.scene.agent_summary], x, y, w, bottom, size=self.scene.fs(13), color=THEME["text_muted"])
        y = draw_lines(surface, ["How to read the board"], x, y + 10, w, bottom, size=self.scene.fs(13), bold=True)
        tips = [
            "• Colour: value V(s); red good, blue bad, white 0.",
            "• Arrows: the policy; longer = likelier.",
            "• Yellow glow: how much the last update changed each cell.",
            "• Purple line: the agent's path this episode.",
            "• Click a cell: its numbers and last update.",
        ]
        if t.is_dp:
            tips[3] = "• DP does not walk: it backs up every cell."
        y = draw_lines(surface, tips, x, y, w, bottom, size=self.scene.fs(13))
        charted = self.diagnostics_lines()
        if charted:
            y = draw_lines(surface, ["The charts' diagnostics"], x, y + 10, w, bottom, size=self.scene.fs(13), bold=True)
            for i, line in enumerate(charted):
                y = draw_lines(surface, [line], x, y, w, bottom, size=self.scene.fs(12),
                               color=THEME["accent"] if i % 2 else THEME["text"], indent=self.scene.px(10) * (i % 2))

    def diagnostics_lines(self) -> list[str]:
        """The diagnostics charted now, each as "title = latest value" and its equation (the
        agent's declaration: ``Agent.diagnostics``)."""
        curves, lines = self.scene.curves, []
        for key in curves.curve_picks:
            equation = curves.curve_equation(key)
            if equation:
                values = curves.curve_values(key)
                lines += [f"{curves.curve_info(key)[0]} = {num(values[-1]) if values.size else '–'}", equation]
        return lines

    def _draw_report(self, surface: pygame.Surface, rep: CellReport, x: int, y: int, w: int, bottom: int) -> None:
        y = draw_lines(surface, [rep.title], x, y, w, bottom, size=self.scene.fs(15), bold=True)
        y = draw_lines(surface, [rep.tile], x, y, w, bottom, size=self.scene.fs(12), color=THEME["text_muted"])
        y += 4
        rtext.blit(surface, f"V(s) = {num(rep.V)}", self.scene.fs(16), THEME["text"], (x, y), anchor="topleft", bold=True)
        if rep.visits is not None:
            rtext.blit(surface, f"visits: {rep.visits:,}", self.scene.fs(13), THEME["text_muted"], (x + w, y + 3), anchor="topright")
        y += self.scene.px(26)
        if rep.v_true is not None:  # a prediction agent: the value its V(s) is learning
            rtext.blit(surface, f"{V_TRUE_LABEL} = {num(rep.v_true)}", self.scene.fs(13), THEME["accent"], (x, y - 4),
                       anchor="topleft", max_width=w)  # fmt: skip
            y += self.scene.px(20)
        if rep.trace is not None:  # the cell's share of the next TD error
            rtext.blit(surface, rep.trace_line(), self.scene.fs(13), THEME["model"], (x, y - 4), anchor="topleft",
                       max_width=w)  # fmt: skip
            y += self.scene.px(20)
        # the action table: Q(s,a) and pi(a|s), best action marked
        col = [x, x + self.scene.px(64), x + self.scene.px(64) + (w - self.scene.px(64)) // 2]
        rtext.blit(surface, "action", self.scene.fs(12), THEME["text_muted"], (col[0], y), anchor="topleft")
        rtext.blit(surface, rep.q_title, self.scene.fs(12), THEME["text_muted"], (col[1], y), anchor="topleft")
        rtext.blit(surface, "π(a|s)", self.scene.fs(12), THEME["text_muted"], (col[2], y), anchor="topleft")
        y += self.scene.px(18)
        finite = np.isfinite(rep.Q)
        best = int(np.nanargmax(rep.Q)) if finite.any() else -1
        names = ("up", "right", "down", "left")
        for a in range(len(rep.Q)):
            if y + self.scene.px(18) > bottom:
                return
            bold = a == best
            rtext.blit(surface, f"{ARROWS[a]} {names[a]}", self.scene.fs(13), THEME["text"], (col[0], y), anchor="topleft", bold=bold)
            rtext.blit(surface, num(rep.Q[a]), self.scene.fs(13), THEME["text"], (col[1], y), anchor="topleft", bold=bold)
            p = float(rep.pi[a]) if a < len(rep.pi) else math.nan
            bar_w = int((w - (col[2] - x) - 50) * (p if math.isfinite(p) else 0))
            pygame.draw.rect(surface, mix(PALETTE[2], (255, 255, 255), 0.35), (col[2], y + self.scene.px(3), max(bar_w, 0), self.scene.px(11)),
                             border_radius=3)  # fmt: skip
            rtext.blit(surface, num(p), self.scene.fs(13), THEME["text"], (col[2] + max(bar_w, 0) + 4, y), anchor="topleft")
            y += self.scene.px(18)
        # the notes and the last update below the table, a size smaller (down to 70 %) if that
        # is what it takes to show them whole (a deep agent's ΔQ and Δπ lines are long)
        q_note = [rep.q_note] if rep.q_note else []
        eq, rest = (rep.update[:1], rep.update[1:]) if rep.update else ([], [])
        blocks = [(q_note, 12, False), ([rep.update_title], 13, True), (eq, 13, False), (rest, 13, False)]
        f = 1.0
        while f > 0.7 and y + 20 + sum(_height(lines, round(self.scene.fs(n) * f), w, bold)
                                       for lines, n, bold in blocks) > bottom:  # fmt: skip
            f -= 0.05
        if q_note:
            y = draw_lines(surface, q_note, x, y + 2, w, bottom, size=round(self.scene.fs(12) * f), color=THEME["accent"])
        y += 8
        pygame.draw.line(surface, THEME["panel_border"], (x, y), (x + w, y))
        y += 8
        size = round(self.scene.fs(13) * f)
        y = draw_lines(surface, [rep.update_title], x, y, w, bottom, size=size, bold=True)
        y = draw_lines(surface, eq, x, y + 2, w, bottom, size=size, color=THEME["accent"])
        draw_lines(surface, rest, x, y + 2, w, bottom, size=size)

    def _draw_bandit_inspector(self, surface: pygame.Surface, x: int, y: int, w: int, bottom: int) -> None:
        """Run 1's arms as a table: arm, q*(a), Q(a), the agent's own belief (UCB bound,
        posterior mean ± sd, preference H(a)), π(a), N(a). Column widths come from the texts
        (names elide with "…", numbers right-aligned), so no two columns ever overlap; the
        cell rects drawn are kept in ``bandit_table_rects``."""
        level, t = self.scene.level, self.scene.trainer
        y = draw_lines(surface, [level.name], x, y, w, bottom, size=self.scene.fs(15), bold=True)
        if "t" in self.scene.board.bandit_beliefs or self.scene.driver.view_snapshot is not None:
            note = f"pull {self.scene.board.bandit_t} of {level.steps} in this run"
            if t.runs > 1:
                note += (f". The bars and this table show run 1; the curves average every run so far, "
                         f"{t.runs} at a time.")
        else:  # a deep agent: one network that keeps learning from run to run
            note = "One network learns across runs; the bars and this table show its first env's arms."
        y = draw_lines(surface, [note], x, y, w, bottom, size=self.scene.fs(13), color=THEME["text_muted"])
        assert self.scene.board.bandit is not None
        true_means, Q, pi, pulls, names = self.scene.board.bandit
        names = names or [str(a + 1) for a in range(len(Q))]
        best = int(np.nanargmax(true_means)) if true_means is not None and np.isfinite(true_means).any() else -1
        b = self.scene.board.bandit_beliefs
        own: tuple[str, list[str], str] | None = None  # header, cells, footnote
        def short(v: float) -> str:  # 3 significant digits: six columns fit a narrow panel
            return rtext.nice_number(v) if math.isfinite(v) else num(v)

        if "ucb_bound" in b:
            own = ("U(a)", [short(v) for v in b["ucb_bound"]], "U(a) = Q(a) + c√(ln t / N(a)): UCB pulls the largest.")
        elif "posterior_std" in b:  # its mean is Q(a)
            own = ("σ(a)", [short(float(f"{sd:.2g}")) for sd in b["posterior_std"]],
                   "Q(a) ± σ(a): the posterior of q*(a) that Thompson samples from.")  # fmt: skip
        elif "preferences" in b:
            own = ("H(a)", [short(v) for v in b["preferences"]], "H(a): preference; π(a) = softmax(H)(a).")
        headers = ["arm", "q*(a)", "Q(a)"] + ([own[0]] if own else []) + ["π(a)", "N(a)"]
        rows = []
        for a in range(len(Q)):
            row = [("★ " if a == best else "") + names[a], short(true_means[a]) if true_means is not None else "?",
                   short(Q[a]), *([own[1][a]] if own else []), short(pi[a]),
                   f"{int(pulls[a]):,}" if pulls is not None else ""]  # fmt: skip
            rows.append(row)
        texts = [list(c) for c in zip(headers, *rows)]
        size = self.scene.fs(13)  # a size smaller (down to 10 px) before names and numbers elide
        gaps = self.scene.px(10) * (len(headers) - 1)
        while size > max(10, self.scene.fs(13) - 2) and gaps + sum(
                max(rtext.font(size, True).size(t)[0] for t in col) for col in texts) > w:  # fmt: skip
            size -= 1
        columns = rtext.table_columns(texts, size, w, self.scene.px(10), bold=True)
        self.bandit_table_rects = []
        y += 6

        def cells(texts: list[str], y: int, size: int, color: Any, bold: bool) -> None:
            for i, (text, (cx, cw)) in enumerate(zip(texts, columns)):
                text = rtext.elide(text, size, cw, bold)
                anchor, pos = ("topleft", (x + cx, y)) if i == 0 else ("topright", (x + cx + cw, y))
                self.bandit_table_rects.append(rtext.blit(surface, text, size, color, pos, anchor=anchor, bold=bold))

        cells(headers, y, min(size, self.scene.fs(12)), THEME["text_muted"], False)
        y += self.scene.px(18)
        # every arm's row, closer together if need be; what still doesn't fit is counted
        room = bottom - self.scene.px(130) - y  # the footnote and the last update below
        row_h = min(self.scene.px(17), max(rtext.font(size).get_height(), room // max(len(rows), 1)))
        fit = len(rows) if len(rows) * row_h <= room else max(1, room // row_h - 1)
        for a, row in enumerate(rows[:fit]):
            cells(row, y, size, THEME["text"], a == best)
            y += row_h
        if fit < len(rows):
            y = draw_lines(surface, [f"… {len(rows) - fit} more arms: the bars show them all."], x, y, w, bottom,
                           size=self.scene.fs(12), color=THEME["text_muted"])  # fmt: skip
        if own:
            y = draw_lines(surface, [own[2]], x, y + 4, w, bottom, size=self.scene.fs(12), color=THEME["text_muted"])
        y += 8
        pygame.draw.line(surface, THEME["panel_border"], (x, y), (x + w, y))
        y += 8
        entry = t.last_update.get(0)
        if entry is None:
            draw_lines(surface, ["No pull yet: press Step (S) or Play (Space).", "★ marks the best arm."],
                        x, y, w, bottom, size=self.scene.fs(13), color=THEME["text_muted"])  # fmt: skip
            return
        equation, backup, _ = entry
        y = draw_lines(surface, ["Last update:"], x, y, w, bottom, size=self.scene.fs(13), bold=True)
        lines = update_lines(equation, backup, t.backup_kind, names)
        y = draw_lines(surface, lines[:1], x, y + 2, w, bottom, size=self.scene.fs(13), color=THEME["accent"])
        draw_lines(surface, lines[1:], x, y + 2, w, bottom, size=self.scene.fs(13))


def _height(lines: list[str], size: int, w: int, bold: bool) -> int:
    """The height :func:`~gridrl.gui.status.draw_lines` takes for ``lines`` (plus its gap)."""
    return sum(len(wrap(line, size, w, bold)) for line in lines) * int(size * 1.4) + 2


def _ago(units: int) -> str:
    return "the last unit" if units == 0 else f"{units:,} unit{'s' if units != 1 else ''} ago"


def _blurb(description: str) -> str:
    """A level's description cut after its second sentence."""
    text = " ".join(description.split())
    return ". ".join(text.split(". ")[:2]).rstrip(".") + "." if text else ""

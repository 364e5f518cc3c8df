"""What is recorded each week (aggregates into preallocated arrays) and at the end (agents, summary)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.core.batch import Blocks
from sim.core.state import EMPLOYEE_OPTIONS, LEGACY, PARTNER_OPTIONS, ROLE_NAMES, Role

EMPLOYEE_COLUMNS = ("intended_use", "gaming", "ignoring")
PARTNER_COLUMNS = ("partner_self_serve", "partner_go_around", "partner_disengaged")
ROLE_SUFFIX = {Role.SALES: "_sales", Role.SERVICE: "_service", Role.MANAGER: "_managers"}
#: The weekly shares of live employees choosing each option, all of them and by role.
EMPLOYEE_SHARES = (*EMPLOYEE_COLUMNS, *(c + suffix for suffix in ROLE_SUFFIX.values() for c in EMPLOYEE_COLUMNS))
#: The shares of one group of people each: all employees, each role, the partners. A group's
#: shares are of its own people live, who may go live later than the others (a phased rollout
#: whose departments are one role each).
SHARE_GROUPS = (
    EMPLOYEE_COLUMNS,
    *(tuple(c + suffix for c in EMPLOYEE_COLUMNS) for suffix in ROLE_SUFFIX.values()),
    PARTNER_COLUMNS,
)


#: Weekly flows and organisation stocks recorded beside the behaviour shares.
FLOW_COLUMNS = (
    "cost_per_sale",
    "margin_leakage",
    "complaints",
    "compensation_paid",
    "costs",
    "benefits",
    "units",
    "drift",
)
STOCK_COLUMNS = (
    "data_quality",
    "trust",
    "live",
    "live_partners",
    "skill",
    "effort",
    "perceived_usefulness",
    "morale_sales",
    "tension",
    "system_performance",
    "system_fit",
    "conflict",
    "backlash",
    "culture_distance",
    "turnover",
    "turnover_sales",
    "turnover_service",
    "commitment",
    "reconsidering",
    "switching",
    "roi",
    "benefits_realised",
)


def share_columns() -> list[str]:
    """The weekly shares of those live choosing each option (all employees, each role, partners):
    before anyone is live they are shares of nobody."""
    return [*EMPLOYEE_SHARES, *PARTNER_COLUMNS]


def live_weeks(live: np.ndarray) -> np.ndarray | None:
    """Of the last quarter's weeks (``live``: each week's share of people live, or anything that
    is 0 exactly in the weeks nobody is), those with anyone live, when the CRM went live within
    them; None when it was live in all of them.

    A share of those live is recorded as 0 in a week nobody is live (a share of nobody), so a
    quarter's mean of it is taken over its live weeks only: a go-live in week 150 of 156 is judged
    on its 7 weeks of use, not on 13 with 6 zeros. A quarter with nobody live at all is left as it
    is: a run that never went live has no such outcomes (``sim.io.runner``), but a group that goes
    live only after the run ends (a late department of one role) keeps its shares of nobody, 0.
    """
    weeks = live > 0
    return weeks if weeks.any() and not weeks.all() else None


def timeseries_columns() -> list[str]:
    cols = ["week", *EMPLOYEE_COLUMNS]
    for suffix in ROLE_SUFFIX.values():
        cols += [c + suffix for c in EMPLOYEE_COLUMNS]
    return [*cols, *PARTNER_COLUMNS, *STOCK_COLUMNS, *FLOW_COLUMNS]


class Recorder:
    """Weekly aggregates of each organisation of the batch: shares of live people per option and
    role, the organisation's stocks and flows. ``series[name]`` is (organisations, weeks)."""

    def __init__(self, weeks: int, org, blocks: Blocks):
        self.blocks = blocks
        self.series = {name: np.zeros((blocks.count, weeks)) for name in timeseries_columns()}
        self.rows = 0
        self.role = org.role.astype(np.intp)
        self.employees = org.role != Role.PARTNER
        self.sales = org.role == Role.SALES
        per = blocks.count_of
        self.people = {  # per organisation, exact (for means)
            "employees": per(self.employees),
            "partners": per(~self.employees),
            "sales": per(self.sales),
            "service": per(org.role == Role.SERVICE),
        }
        self.count = {group: np.maximum(n, 1.0) for group, n in self.people.items()}  # for shares: never 0
        self.department_size = np.bincount(org.department[self.employees], minlength=org.departments).reshape(
            blocks.count, -1
        )

    @property
    def columns(self) -> dict[str, np.ndarray]:
        """The weekly values of the first (for a run alone, the only) organisation."""
        return {name: values[0] for name, values in self.series.items()}

    def record(self, week: int, model) -> None:
        if self.rows == self.series["week"].shape[1]:  # stepped past run.weeks: make room
            self.series = {k: np.concatenate([v, np.zeros_like(v)], axis=1) for k, v in self.series.items()}
        state, stocks, flows, n, blocks = model.state, model.stocks, model.flows, self.count, self.blocks
        c, i = self.series, self.rows
        c["week"][:, i] = week
        # one count of (organisation, role, option) over everyone live: [block, role, option]
        live = state.routine != LEGACY
        cell = (blocks.of_row[live] * 4 + self.role[live]) * 3 + state.routine[live]
        counts = np.bincount(cell, minlength=blocks.count * 12).reshape(blocks.count, 4, 3)
        employees = counts[:, :3].sum(axis=1)
        _shares_into(c, i, EMPLOYEE_COLUMNS, "", employees)
        for role, suffix in ROLE_SUFFIX.items():
            _shares_into(c, i, EMPLOYEE_COLUMNS, suffix, counts[:, role])
        _shares_into(c, i, PARTNER_COLUMNS, "", counts[:, Role.PARTNER])
        dq = stocks.data_quality.reshape(blocks.count, -1)
        c["data_quality"][:, i] = (dq * self.department_size).sum(axis=1) / self.department_size.sum(axis=1)
        c["live"][:, i] = employees.sum(axis=1) / n["employees"]
        c["live_partners"][:, i] = counts[:, Role.PARTNER].sum(axis=1) / n["partners"]
        for name, values in (
            ("trust", state.trust),
            ("skill", state.skill),
            ("effort", state.felt_effort),
            ("perceived_usefulness", state.perceived_usefulness),
            ("tension", state.tension),
        ):
            c[name][:, i] = blocks.mean(values, self.employees, count=self.people["employees"])
        c["morale_sales"][:, i] = blocks.mean(state.morale, self.sales, empty=1.0, count=self.people["sales"])
        for name in ("system_performance", "system_fit", "conflict", "backlash", "culture_distance", "commitment"):
            c[name][:, i] = getattr(stocks, name)
        c["turnover"][:, i] = flows.leavers / n["employees"]
        c["turnover_sales"][:, i] = flows.leavers_sales / n["sales"]
        c["turnover_service"][:, i] = flows.leavers_service / n["service"]
        # routines: the share of live employees who weighed their way of working, and who changed it
        on = state.live & self.employees & (state.previous_routine != LEGACY)
        c["reconsidering"][:, i] = blocks.mean(state.reconsidered.astype(float), on)
        c["switching"][:, i] = blocks.mean((state.routine != state.previous_routine).astype(float), on)
        c["roi"][:, i] = model.ledger.roi()
        c["benefits_realised"][:, i] = model.ledger.benefits_realised()
        for name in FLOW_COLUMNS:
            c[name][:, i] = getattr(flows, name)
        self.rows += 1

    def frame(self, block: int = 0) -> pd.DataFrame:
        """One organisation's weekly series (the first, or the only one, by default)."""
        names = [name for name in self.series if name != "week"]
        values = np.stack([self.series[name][block, : self.rows] for name in names])  # a row per column,
        frame = pd.DataFrame(values.T, columns=names)  # as pandas keeps them: one block, quick to build
        frame.insert(0, "week", self.series["week"][block, : self.rows].astype("int32"))
        return frame


def _shares_into(columns, i, names, suffix, counts) -> None:
    """Each organisation's shares of its live people per option, from counts (organisations, options)."""
    total = counts.sum(axis=1)
    for k, name in enumerate(names):
        columns[name + suffix][:, i] = np.divide(counts[:, k], total, out=np.zeros(len(total)), where=total > 0)


def agent_table(model) -> pd.DataFrame:
    """One row per person: who they are and where they stand now."""
    org, state = model.org, model.state
    role_names = np.array([ROLE_NAMES[Role(r)] for r in range(4)])
    options = np.array([[*EMPLOYEE_OPTIONS, "legacy"]] * 3 + [[*PARTNER_OPTIONS, "legacy"]])
    behaviour = options[org.role, np.where(state.routine == LEGACY, 3, state.routine)]
    ids = org.external_id if org.external_id is not None else np.arange(org.n)
    manager = (
        np.where(org.manager >= 0, ids[np.maximum(org.manager, 0)], None)
        if org.external_id is not None
        else org.manager
    )
    return pd.DataFrame(
        {
            "week": np.full(org.n, model.steps, dtype=np.int32),
            "id": ids,
            "role": role_names[org.role],
            "department": np.asarray(org.department_names)[org.department],
            "site": np.asarray(org.site_names)[org.site],
            "manager": manager,
            "behaviour": behaviour,
            "live": state.live.copy(),
            "go_live_week": state.go_live_week.copy(),
            "perceived_usefulness": state.perceived_usefulness.copy(),
            "effort": state.felt_effort.copy(),
            "skill": state.skill.copy(),
            "trust": state.trust.copy(),
            "habit": state.habit.copy(),
            "morale": state.morale.copy(),
            "tension": state.tension.copy(),
            "improvising": state.improvising.copy(),
            "discount": state.discount.copy(),
            "terms_seen": state.terms_seen.copy(),
            "route_belief": state.route_belief.copy(),
            "tenure_weeks": state.tenure_weeks.copy(),
            "weeks_live": state.weeks_live.copy(),
            "p_chosen": np.where(
                state.routine == LEGACY,
                np.nan,
                model.choice_probabilities()[np.maximum(state.routine, 0), np.arange(org.n)],
            ),
        }
    )


def headline(timeseries: pd.DataFrame) -> dict[str, float]:
    """The outcomes a reader looks at first: the final week, and the last quarter's mean."""
    column = timeseries.columns.get_loc
    names = [name for name in timeseries.columns if name != "week"]
    table = timeseries.to_numpy(dtype=float)  # one array, not pandas per figure: a sweep summarises
    # thousands of runs. Each column is summed as one contiguous run, as pandas sums it: the same bits.
    values = np.asfortranarray(table[:, [column(name) for name in names]])
    last, quarter = values[-1], values[-13:].mean(axis=0)
    for shares in SHARE_GROUPS:
        of = [names.index(name) for name in shares]
        weeks = live_weeks(values[-13:, of].sum(axis=1))  # a group's shares add up to 1 when any of it is live
        if weeks is not None:  # it went live within the last quarter: its weeks before that have no share
            quarter[of] = values[-13:][weeks][:, of].mean(axis=0)
    out: dict[str, float] = {}
    for k, name in enumerate(names):
        out[name] = float(last[k])
        out[f"{name}_last13"] = float(quarter[k])
    week, gaming = table[:, column("week")], table[:, column("gaming")]
    out["peak_gaming"] = float(gaming.max())
    out["peak_gaming_week"] = int(week[np.argmax(gaming)])  # the first week of the peak
    reached = (table[:, column("intended_use")] >= 0.5) & (table[:, column("live")] > 0)
    out["weeks_to_half_use"] = int(week[np.argmax(reached)]) if reached.any() else None
    return out


def settled_switching(model, settled_weeks: int = 13) -> float | None:
    """The share of employees live for more than ``settled_weeks`` who changed their way of working
    this week (None before anyone has settled): how well routines hold (docs/validation.md)."""
    state, employees = model.state, slice(0, model.org.employees)
    settled = state.live[employees] & (state.weeks_live[employees] > settled_weeks)
    if not settled.any():
        return None
    return float((state.routine[employees][settled] != state.previous_routine[employees][settled]).mean())

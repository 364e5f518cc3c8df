"""The roles and options of the model, named once: the key the code and data use, and the words a reader sees.

The state, the narration, the figures and the reports all speak of sales reps, service agents,
managers and channel partners, and of using, gaming or ignoring the CRM; spelling them here
keeps a figure's legend, a report's label and the dashboard's sentences in the same words.
Column names of the weekly series (``intended_use_managers``, ``partner_self_serve``...) are
data, not words: they stay as they are, and ``series_suffix`` says which one a role has.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RoleWords:
    """One role: its key, and the words for one person and for several."""

    key: str
    singular: str
    plural: str
    series_suffix: str | None  # the suffix of the role's weekly behaviour shares; partners have their own series


@dataclass(frozen=True)
class OptionWords:
    """One option a person chooses each week: its key, a legend's word, and what choosing it means."""

    key: str
    short: str  # a legend's word: "game"
    phrase: str  # what someone chose to do: "game the CRM"
    detail: str = ""  # said once, beside the phrase of the option chosen


#: The roles, in the order of their codes in ``sim.core.state.Role``.
ROLES: dict[str, RoleWords] = {
    r.key: r
    for r in (
        RoleWords("sales", "sales rep", "sales reps", "_sales"),
        RoleWords("service", "service agent", "service agents", "_service"),
        RoleWords("manager", "manager", "managers", "_managers"),
        RoleWords("partner", "channel partner", "channel partners", None),
    )
}

#: Every option, employees' and partners', and the legacy process before go-live.
OPTIONS: dict[str, OptionWords] = {
    o.key: o
    for o in (
        OptionWords("use", "use as designed", "use the CRM as designed"),
        OptionWords("game", "game", "game the CRM", "misleading or selective entries"),
        OptionWords("ignore", "ignore", "work around the CRM"),
        OptionWords("self_serve", "self-serve", "order through the CRM"),
        OptionWords("go_around", "go around", "go around the CRM through its sales rep"),
        OptionWords("disengage", "disengage", "disengage"),
        OptionWords("legacy", "legacy process", "keep to the old process"),
    )
}

#: Options of an employee and of a partner, in the order of the columns of their utilities.
EMPLOYEE_OPTIONS = ("use", "game", "ignore")
PARTNER_OPTIONS = ("self_serve", "go_around", "disengage")

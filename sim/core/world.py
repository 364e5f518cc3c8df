"""What is fixed for a run once the organisation is built: who is who, who sees whom, standing cues.

The model's constructor builds this once; mechanisms read it every week and never change it.
Keeping it apart from the evolving ``State`` and ``Stocks`` says which arrays can change.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from scipy import sparse

from sim.core.batch import Blocks, single
from sim.core.mechanisms import culture, role_conflict, routine
from sim.core.scenario import RoleParameters, Scenario
from sim.core.state import Role

#: The scenario section that parameterises each role.
ROLE_SECTION = {Role.SALES: "sales", Role.SERVICE: "service", Role.MANAGER: "managers", Role.PARTNER: "partners"}


@dataclass(frozen=True)
class RoleArrays:
    """A role parameter spread over people, so mechanisms can read it per row."""

    base_usefulness: np.ndarray
    base_effort: np.ndarray
    double_entry: np.ndarray
    gaming_gain: np.ndarray
    oversight_aversion: np.ndarray
    present_bias: np.ndarray
    quit_weekly: np.ndarray


@dataclass(frozen=True)
class World:
    """The organisation's fixed structure and the policy's standing cues, one row per person."""

    # which organisation of the batch each person belongs to (sim/core/batch.py)
    blocks: Blocks
    # who is who (rows are ordered by role, partners last)
    is_sales: np.ndarray
    is_service: np.ndarray
    is_manager: np.ndarray
    is_partner: np.ndarray
    is_staff: np.ndarray  # sales reps and service staff: people with a manager above them
    employee_rows: slice
    employees_of: np.ndarray  # per organisation: how many employees, sales reps and service staff
    sales_reps_of: np.ndarray
    service_staff_of: np.ndarray
    partner_rows: np.ndarray
    team: np.ndarray  # a person's team: their manager's row; a manager's, their own
    senior_sales_manager: np.ndarray  # per organisation: the manager with the most sales reps (seed 002), or -1
    # who sees whom. The weekly sums over a person's colleagues are products of these networks
    # with a vector, so they are kept by column (CSC): a product then takes each colleague's value
    # once and adds it to everyone tied to them. Each person's sum gets the same terms in the same
    # order as row by row (by colleague), so the same result to the bit, in about half the time.
    tie_weight: np.ndarray  # each person's summed tie weight
    ties: sparse.csc_matrix  # all ties, whatever the subculture
    ties_within: sparse.csc_matrix  # ties inside one subculture (all ties without cultural distance)
    ties_across: sparse.csc_matrix | None  # ties across subcultures, or None with no cultural distance
    crossing: np.ndarray  # share of a person's tie weight that crosses subcultures
    partner_peers: sparse.csr_matrix  # the partner-partner block of the network
    partners_served: np.ndarray  # per sales rep: partners they serve
    per_partner_served: np.ndarray  # 1 / partners served, 0 for those who serve none
    data_department: np.ndarray  # whose data each person sees: their department's; a partner's, its rep's
    # the policy's standing cues and the roles' parameters
    benefit_share: np.ndarray  # share of the value of trusted data that reaches this person
    mandated: np.ndarray  # the mandate where it applies: employees, not partners
    prompt_load: np.ndarray  # service staff: extra work per proper entry from upsell prompts (002)
    role_conflict_cost: np.ndarray  # service staff: the cost of being made to sell (002)
    role: RoleArrays
    carried_over: np.ndarray  # the old process each person carries on at go-live (routine.carried_over)


def build_world(org, sc: Scenario, blocks: Blocks | None = None) -> World:
    """The fixed arrays of a run, from the built organisation (or a batch's, with its ``blocks``)
    and the scenario."""
    blocks = blocks if blocks is not None else single(org.n)
    is_partner = org.role == Role.PARTNER
    is_manager = org.role == Role.MANAGER
    is_service = org.role == Role.SERVICE
    is_sales = org.role == Role.SALES
    is_staff = is_sales | is_service
    partner_rows = np.flatnonzero(is_partner)
    partners_served = np.bincount(org.manager[partner_rows], minlength=org.n)
    if sc.culture.distance > 0:  # subcultures are sites; with no cultural distance, one network
        ties_within, ties_across = culture.split_ties(org.adjacency, org.site)
        crossing = culture.crossing_share(ties_within, ties_across)
    else:
        ties_within, ties_across, crossing = org.adjacency, None, np.zeros(org.n)
    share = sc.data.manager_benefit_share
    returned = sc.policy.value_returned * share  # reports, forecasts and leads handed back (seed 001)
    upsell_load = role_conflict.upsell_load(sc.policy.upsell_prompts, sc.role_conflict.prompt_workload)
    return World(
        blocks=blocks,
        is_sales=is_sales,
        is_service=is_service,
        is_manager=is_manager,
        is_partner=is_partner,
        is_staff=is_staff,
        employee_rows=slice(0, org.employees),
        employees_of=blocks.count_of(~is_partner),
        sales_reps_of=blocks.count_of(is_sales),
        service_staff_of=blocks.count_of(is_service),
        partner_rows=partner_rows,
        team=np.where(is_staff, org.manager, np.arange(org.n)),
        senior_sales_manager=_senior_sales_managers(org, is_sales, blocks),
        tie_weight=np.asarray(org.adjacency.sum(axis=1)).ravel(),
        ties=org.adjacency.tocsc(),
        ties_within=ties_within.tocsc(),
        ties_across=None if ties_across is None else ties_across.tocsc(),
        crossing=crossing,
        partner_peers=org.adjacency[partner_rows][:, partner_rows].tocsr(),
        partners_served=partners_served,
        per_partner_served=np.divide(1.0, partners_served, out=np.zeros(org.n), where=partners_served > 0),
        data_department=np.where(is_partner, org.department[org.manager], org.department),
        benefit_share=np.where(is_manager, share, 1.0 - share + returned),
        mandated=np.where(is_partner, 0.0, sc.policy.mandate),
        prompt_load=is_service * upsell_load,
        role_conflict_cost=(is_service & sc.policy.upsell_prompts) * sc.role_conflict.role_conflict,
        role=spread_role_parameters(org.role, role_settings(sc)),
        carried_over=routine.carried_over(org.role),
    )


def role_settings(sc: Scenario) -> dict[Role, RoleParameters]:
    """Each role's section of the scenario."""
    return {role: getattr(sc.roles, section) for role, section in ROLE_SECTION.items()}


def spread_role_parameters(role: np.ndarray, settings: dict[Role, RoleParameters]) -> RoleArrays:
    """Each role parameter as an array over people."""
    table = {f.name: np.array([getattr(settings[Role(r)], f.name) for r in range(4)]) for f in fields(RoleArrays)}
    return RoleArrays(**{name: values[role] for name, values in table.items()})


def _senior_sales_managers(org, is_sales: np.ndarray, blocks: Blocks) -> np.ndarray:
    """In each organisation, the manager with the most sales reps: the head of sales whose backlash
    matters (seed 002); -1 where there are no sales reps."""
    reps = np.bincount(org.manager[is_sales], minlength=org.n)
    return np.array([rows[reps[rows].argmax()] if reps[rows].any() else -1 for rows in blocks.rows])

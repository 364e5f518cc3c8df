"""Governance: senior commitment, a change of CIO that shifts the goal, and outsourcing.

Seed 003 (a UK City Council): failure "driven by lack of focus and commitment from the senior
management"; IT wanted to integrate the legacy systems while the business cared about
"answering calls"; "with the Change of CIO in 2001, the project became more business focus,
resulting in lack of commitment with overall integration of the system and thus become more
focus on collecting lots of data about customers". Outsourcing with "little consultation",
"lack of in-house expertise ... outsource expertise does not know how the organization
operates", "lack of communication between internal employees and external employees".

Commitment (0-1; it starts at ``policy.commitment``) scales the push managers feel from the
top, the training funded and the resources for fixing the system. It is not a constant:
leaders' commitment regenerates when the rollout visibly works and erodes when it visibly
falls short or makes trouble (Repenning 2002: "reversion" and "regeneration" around a
motivation threshold). Visible results are what management sees, records: use and gaming
alike, against an expectation that ramps up to the verdict's level of use over
``governance.expectation_weeks`` after go-live. A shortfall within ``governance.patience`` is
tolerated; beyond it commitment erodes, as it does with the sales force's backlash against
discipline. So early results can sustain a rollout, and an early stall can
start a spiral (less push, less use, less commitment): Repenning's "innovations that generate
early results but fail to produce sustained benefit".

A change of CIO at ``policy.cio_change_week`` turns the goal from integration to collecting
customer data: integration work stops (the double-entry gap widens) and managers push for
volume, which rewards quick, incomplete entries (gaming); how far the project is knocked off
course depends on how committed senior management is. Outsourcing (``policy.outsourced``)
without in-house expertise (``policy.in_house_expertise``) starts the system with a worse fit
to the work and makes fixes arrive slower. System fit scales the CRM's usefulness for the job.

Integration is not done once: the interfaces to the legacy systems must be kept up as those
systems change, and that upkeep is funded by commitment. Each week unfunded interfaces break
down (``governance.integration_upkeep`` x (1 - commitment), faster with more connected
systems), re-opening double entry towards an abandoned integration; committed leaders repair
them at the pace of other fixes while integration is still the goal. A fully integrated CRM
is therefore only as integrated as the commitment behind it (seed 003: "lack of commitment
with overall integration of the system"). Nor is it finished at go-live: each interface it adds
to partial integration (one per legacy system) may still be unbuilt then (seed 001: "in some
cases IT is not in a position to solve these problems"; seed 003: "lack of knowledge in relation
to the integration tool"), and is built later at a pace commitment funds; until then the old
systems stay in reach, so a weak sponsor's full integration can stall like a partial one.

Sponsors come and go (seed 003: "with the Change of CIO in 2001"). Each week the senior
sponsor leaves with a small chance (``governance.sponsor_turnover_weekly``, about one change
in four to five years). Their successor's commitment is partly what they find (the visible
results against what was expected by then, ``governance.successor_judges_results``) and
partly their own priorities, which the model does not know (a uniform draw). A sponsor change
during a promising start keeps the rollout going; during a stall it can end it, and the same
rollout on another seed, with another history of who left when, can end the other way. This
is one of the few organisation-wide chance events of the model; the others are the people's
own decisions.

References
----------
.. [1] Anonymous (2007). Reflection 6: CRM in organizations. Blog post, 21 August 2007; the
   UK City Council case. Seed 003.
.. [2] Lasser, E., & Mandel, Z. (n.d.). Problems and challenges in the effective implementation
   of CRM systems. Web article. Seed 001.
.. [3] Repenning, N. P. (2002). A simulation-based approach to understanding the dynamics of
   innovation implementation. Organization Science, 13(2), 109-127.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core.policies import DOUBLE_ENTRY
from sim.core.state import GAME, USE

if TYPE_CHECKING:
    from sim.core.scenario import Scenario
    from sim.core.state import State, Stocks
    from sim.core.world import World


def initial_fit(outsourced: bool, in_house_expertise: float, misfit: float, in_house_misfit_share: float) -> float:
    """How well the delivered system fits the work at go-live, 0-1.

    Even a system built in house misses part of the work (``in_house_misfit_share`` of
    ``misfit``); outsiders without in-house expertise miss all of it, and a balanced team
    (full in-house expertise beside the vendor) does as well as an in-house build.
    """
    if not outsourced:
        return 1.0 - in_house_misfit_share * misfit
    return 1.0 - misfit * (1.0 - (1.0 - in_house_misfit_share) * in_house_expertise)


def fix_rate(
    base_rate: float, commitment: float, outsourced: bool, in_house_expertise: float, outsourced_fix_speed: float
) -> float:
    """Weekly share of the fit gap closed by fixes: committed leaders fund them; outsiders are slow.

    An outsourced team without in-house expertise fixes at ``outsourced_fix_speed`` of an
    in-house team's pace (it does not know how the organisation works); in-house expertise
    beside it brings the pace back up to full.
    """
    if outsourced:
        speed = outsourced_fix_speed + (1.0 - outsourced_fix_speed) * in_house_expertise
    else:
        speed = 1.0
    return base_rate * commitment * speed


def improve_fit(fit: float, rate: float) -> float:
    return fit + rate * (1.0 - fit)


def goal_after_cio_change(integration_gap: np.ndarray, commitment: np.ndarray, abandoned_gap: float) -> np.ndarray:
    """Integration work stops and the gap widens, unless committed senior management holds the goal.

    Without commitment the gap becomes that of an integration abandoned half done
    (``abandoned_gap``); a gap already wider than that stays as it is.
    """
    return integration_gap + (1.0 - commitment) * np.maximum(0.0, abandoned_gap - integration_gap)


def data_collection_gain(commitment: np.ndarray, gaming_gain: float) -> np.ndarray:
    """The reward for quick, incomplete entries once volume is the goal; commitment keeps quality in view."""
    return gaming_gain * (1.0 - commitment)


def push_from_above(commitment: np.ndarray, goal: np.ndarray, data_collection_push: float) -> np.ndarray:
    """How hard senior management pushes: as hard as it is committed, harder for volume once data is the goal."""
    return commitment * np.where(goal == "data_collection", data_collection_push, 1.0)


def funded_training_share(commitment: float, uncommitted_share: float) -> float:
    """Share of the planned training hours that is funded: committed leaders fund all of it."""
    return uncommitted_share + (1.0 - uncommitted_share) * commitment


def initial_system_fit(sc: Scenario) -> float:
    """The fit of the delivered system at go-live, from the scenario's governance settings."""
    return initial_fit(
        sc.policy.outsourced, sc.policy.in_house_expertise, sc.governance.misfit, sc.governance.in_house_misfit_share
    )


def fix_the_system(sc: Scenario, any_live: np.ndarray, stocks: Stocks) -> None:
    """Once the CRM is live, fixes close part of the fit gap, as fast as commitment and expertise allow."""
    rate = fix_rate(
        sc.governance.fix_rate,
        stocks.commitment,
        sc.policy.outsourced,
        sc.policy.in_house_expertise,
        sc.governance.outsourced_fix_speed,
    )
    stocks.system_fit = np.where(any_live, improve_fit(stocks.system_fit, rate), stocks.system_fit)


def update_commitment(
    commitment: np.ndarray,
    visible: np.ndarray,
    expected: np.ndarray,
    trouble: np.ndarray,
    regeneration: float,
    erosion: float,
    patience: float,
) -> np.ndarray:
    """Commitment regenerates with results above expectations and erodes with a shortfall beyond
    ``patience`` or with trouble (both as shares of employees; Repenning 2002)."""
    gap = visible - expected
    tolerance = max(patience, 1e-9)
    regenerate = regeneration * (1.0 - commitment) * np.minimum(np.maximum(gap, 0.0) / tolerance, 1.0)
    shortfall = np.maximum(-gap - patience, 0.0)
    erode = erosion * commitment * np.minimum(shortfall / tolerance + trouble, 1.0)
    return np.clip(commitment + regenerate - erode, 0.0, 1.0)


def stay_committed(sc: Scenario, world: World, state: State, stocks: Stocks, weeks_since_go_live: np.ndarray) -> None:
    """Senior management watches the records (use and gaming look alike) and the trouble, weekly."""
    visible = visible_results(world, state)
    watching = (weeks_since_go_live >= 0) & ~np.isnan(visible)  # once someone is live
    g = sc.governance
    trouble = stocks.backlash  # the sales force's grievance reaches the top (seed 002)
    updated = update_commitment(
        stocks.commitment,
        visible,
        expected_results(sc, weeks_since_go_live),
        trouble,
        g.regeneration,
        g.erosion,
        g.patience,
    )
    stocks.commitment = np.where(watching, updated, stocks.commitment)


def visible_results(world: World, state: State) -> np.ndarray:
    """What senior management sees, per organisation: the share of live employees whose records
    show use (gaming looks like use); NaN before anyone is live."""
    live = state.live & ~world.is_partner
    r = state.routine
    return world.blocks.mean(((r == USE) | (r == GAME)).astype(float), live, empty=np.nan)


def expected_results(sc: Scenario, weeks_since_go_live: np.ndarray) -> np.ndarray:
    """The level of use management expects by now: ramping up to the verdict's over ``expectation_weeks``."""
    return sc.verdict.min_intended_use * np.minimum(1.0, weeks_since_go_live / sc.governance.expectation_weeks)


def successor_commitment(
    visible: np.ndarray, expected: np.ndarray, judges_results: float, own_priority: np.ndarray
) -> np.ndarray:
    """A new sponsor's commitment: what the results so far are worth to them, and their own priorities."""
    with np.errstate(divide="ignore", invalid="ignore"):
        results = np.where(expected > 0, np.minimum(visible / expected, 1.0), 1.0)
    return judges_results * results + (1.0 - judges_results) * own_priority


def sponsor_may_leave(
    sc: Scenario,
    world: World,
    state: State,
    stocks: Stocks,
    weeks_since_go_live: np.ndarray,
    leave: np.ndarray,
    priority: np.ndarray,
) -> np.ndarray:
    """In each organisation, the sponsor leaves this week if ``leave`` falls under the weekly hazard,
    once the rollout has started; returns where the sponsor left (their successor is in place)."""
    visible = visible_results(world, state)
    left = (weeks_since_go_live >= 0) & (leave < sc.governance.sponsor_turnover_weekly) & ~np.isnan(visible)
    successor = successor_commitment(
        visible, expected_results(sc, weeks_since_go_live), sc.governance.successor_judges_results, priority
    )
    stocks.commitment = np.where(left, successor, stocks.commitment)
    return left


def interface_share(designed_gap: float, legacy_systems: int) -> float:
    """The double entry one interface takes away: full integration adds one interface per legacy
    system to partial integration; designs no tighter than partial integration have none to build."""
    return max(DOUBLE_ENTRY["partial"] - designed_gap, 0.0) / max(legacy_systems, 1)


def integration_floor(designed_gap: float, unbuilt: np.ndarray, legacy_systems: int) -> np.ndarray:
    """The double-entry gap with the interfaces built so far: full integration arrives as partial
    integration plus the interfaces to the legacy systems that are finished."""
    return designed_gap + unbuilt * interface_share(designed_gap, legacy_systems)


def unfinished_at_go_live(draws: np.ndarray, designed_gap: float, chance: float) -> np.ndarray:
    """Per organisation, how many of the interfaces full integration adds are unfinished at go-live:
    each of them (a row of ``draws`` per organisation, one number per legacy system) with ``chance``."""
    if designed_gap >= DOUBLE_ENTRY["partial"]:
        return np.zeros(len(draws), dtype=int)
    return (draws < chance).sum(axis=1)


def build_interfaces(
    sc: Scenario, stocks: Stocks, designed_gap: float, draws: np.ndarray, weeks_since_go_live: np.ndarray
) -> np.ndarray:
    """After go-live, each unfinished interface is finished this week with a chance that committed
    leaders fund (``governance.interface_build_rate`` x commitment), while integration is still the
    goal; each one finished takes its share of double entry away. ``draws`` has a row per
    organisation and a number per legacy system, whatever is left to build (common random
    numbers). Returns how many were finished, per organisation."""
    chance = sc.governance.interface_build_rate * stocks.commitment
    working = (weeks_since_go_live >= 0) & (stocks.goal == "integration")
    unbuilt = stocks.unbuilt_interfaces
    waiting = np.arange(draws.shape[1])[None, :] < unbuilt[:, None]  # the first ``unbuilt`` draws decide
    finished = np.where(working, ((draws < chance[:, None]) & waiting).sum(axis=1), 0)
    stocks.unbuilt_interfaces = unbuilt - finished
    share = interface_share(designed_gap, sc.org.legacy_systems)
    stocks.integration_gap = np.maximum(stocks.integration_gap - finished * share, designed_gap)
    return finished


def keep_up_integration(sc: Scenario, stocks: Stocks, designed_gap: float, weeks_since_go_live: np.ndarray) -> None:
    """Unfunded interfaces break down towards an abandoned integration; committed leaders repair
    the ones that were built (interfaces not finished yet are built by ``build_interfaces``)."""
    g = sc.governance
    if designed_gap >= g.abandoned_integration_gap:
        return
    scale = min(1.0, g.integration_upkeep * sc.org.legacy_systems / TYPICAL_LEGACY_SYSTEMS)
    gap = stocks.integration_gap
    built = integration_floor(designed_gap, stocks.unbuilt_interfaces, sc.org.legacy_systems)
    breakdown = scale * (1.0 - stocks.commitment) * np.maximum(g.abandoned_integration_gap - gap, 0.0)
    repair = np.where(stocks.goal == "integration", g.fix_rate * stocks.commitment * np.maximum(gap - built, 0.0), 0.0)
    stocks.integration_gap = np.where(weeks_since_go_live >= 0, gap + breakdown - repair, gap)


#: The count of connected legacy systems ``governance.integration_upkeep`` is stated for.
TYPICAL_LEGACY_SYSTEMS = 3

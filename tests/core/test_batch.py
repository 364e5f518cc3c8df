"""Organisations run together as blocks of one model give, bit for bit, what each gives alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import small_scenario
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import CRMRollout, Scenario
from sim.core import batch, organisation
from sim.core.state import Role
from sim.io.runner import run, run_batch


def _finish(model: CRMRollout) -> CRMRollout:
    while model.running:
        model.step()
    return model


def _assert_same_run(alone: CRMRollout, together: CRMRollout, block: int) -> None:
    pd.testing.assert_frame_equal(alone.recorder.frame(), together.recorder.frame(block), check_exact=True)
    assert alone.verdict() == together.verdict(block)
    assert alone.events == together.block_events[block]


@pytest.mark.parametrize(
    "case",
    [
        None,
        "global_giant_telco",
        "city_council",
        "callcentre_consolidation",
        "institute_drift",
        "call_centre_integration",
    ],
)
def test_each_organisation_of_a_batch_runs_as_it_does_alone(case):
    """Every case (each with its own mechanisms at work), three seeds together and one by one."""
    sc = Scenario.default() if case is None else Scenario.case(case)
    sc = sc.with_overrides({"run.weeks": min(sc.run.weeks, 80)}, "test")
    seeds = [3, 11, 4]
    together = _finish(CRMRollout(sc, seeds=seeds))
    for block, seed in enumerate(seeds):
        _assert_same_run(_finish(CRMRollout(sc, seed=seed)), together, block)


def test_a_batch_keeps_each_organisations_events_and_chance_events_apart():
    """Sponsors leave, discipline makes a head of sales resign, a CIO changes the goal, the
    interfaces of a full integration are finished: each in its own organisation, on the weeks it
    does alone."""
    sc = small_scenario(
        {
            "governance.sponsor_turnover_weekly": 0.05,
            "policy.sanctions": 1.0,
            "sanctions.backlash_threshold": 0.01,
            "policy.cio_change_week": 30,
            "policy.integration": "full",
            "org.legacy_systems": 6,
            "governance.interface_build_rate": 0.1,
        }
    )
    seeds = [1, 2, 3, 4]
    together = _finish(CRMRollout(sc, seeds=seeds))
    kinds = {kind for events in together.block_events for _, kind, _ in events}
    assert {"sponsor_change", "cio_change", "interface_built"} <= kinds
    assert len({tuple(events) for events in together.block_events}) > 1  # histories differ by seed
    for block, seed in enumerate(seeds):
        _assert_same_run(_finish(CRMRollout(sc, seed=seed)), together, block)


@given(seeds=st.lists(st.integers(0, 2**20), min_size=1, max_size=4, unique=True))
@settings(max_examples=5, deadline=None)
def test_a_run_does_not_depend_on_its_batch_or_its_place_in_it(seeds):
    sc = small_scenario({"run.weeks": 40})
    forwards = _finish(CRMRollout(sc, seeds=seeds))
    backwards = _finish(CRMRollout(sc, seeds=seeds[::-1]))
    for block in range(len(seeds)):
        mirrored = len(seeds) - 1 - block
        pd.testing.assert_frame_equal(
            forwards.recorder.frame(block), backwards.recorder.frame(mirrored), check_exact=True
        )
        assert forwards.block_events[block] == backwards.block_events[mirrored]


def test_run_batch_gives_each_seed_the_result_of_run():
    sc = small_scenario({"run.weeks": 40})
    results = run_batch(sc, [8, 9])
    for seed, together in zip([8, 9], results, strict=True):
        alone = run(sc.with_overrides({"run.seed": seed}, "test"), agents=False)
        assert together.timeseries.equals(alone.timeseries)
        assert {k: v for k, v in together.summary.items() if k != "provenance"} == {
            k: v for k, v in alone.summary.items() if k != "provenance"
        }


def test_stacked_organisations_keep_their_structure():
    sc = small_scenario()
    orgs = [organisation.build(sc, np.random.default_rng(seed)) for seed in (1, 2, 3)]
    org, blocks = batch.stack(orgs)
    assert org.n == sum(o.n for o in orgs)
    assert np.all(np.diff(org.role) >= 0)  # still one contiguous slice per role
    for b, (rows, alone) in enumerate(zip(blocks.rows, orgs, strict=True)):
        assert np.all(blocks.of_row[rows] == b)
        assert np.all(np.diff(rows) > 0)  # an organisation's rows keep their order
        assert np.array_equal(org.role[rows], alone.role)
        assert (org.adjacency[rows][:, rows] != alone.adjacency).nnz == 0
        assert org.adjacency[rows].nnz == alone.adjacency.nnz  # no tie leaves its organisation
        has_boss = alone.manager >= 0
        assert np.array_equal(org.manager[rows][has_boss], rows[alone.manager[has_boss]])
        assert np.array_equal(org.department[rows], alone.department + b * alone.departments)
    assert org.role_slice(Role.PARTNER).stop == org.n


def test_blocks_sum_and_average_per_organisation():
    blocks = batch.Blocks.of(np.array([0, 1, 0, 1, 1]), (np.array([0, 2]), np.array([1, 3, 4])))
    values = np.array([1.0, 2.0, 3.0, 4.0, 6.0])
    assert list(blocks.total(values)) == [4.0, 12.0]
    assert list(blocks.mean(values, values > 1.5)) == [3.0, 4.0]
    assert list(blocks.mean(values, values > 5.0, empty=-1.0)) == [-1.0, 6.0]
    assert list(blocks.any(values > 5.0)) == [False, True]
    placed = blocks.place([np.array([10, 30]), np.array([20, 40, 60])])
    assert list(placed) == [10, 20, 30, 40, 60]


def test_a_batch_needs_a_seed():
    with pytest.raises(ValueError, match="at least one seed"):
        CRMRollout(small_scenario(), seeds=[])


@pytest.mark.parametrize("sizes", [[[2, 3]] * 3, [[2, 3], [1, 4], [2, 2]]])
def test_each_block_draws_its_own_numbers_whatever_the_layout(sizes):
    """Rows by role, then by block: organisations of one size (copied role by role) or not (block
    by block) get the numbers their own streams give them alone, in their own row order."""
    blocks_count, roles = len(sizes), len(sizes[0])
    starts = np.cumsum([0] + [sizes[b][r] for r in range(roles) for b in range(blocks_count)])
    rows = []
    for b in range(blocks_count):
        rows.append(np.concatenate([np.arange(sizes[b][r]) + starts[r * blocks_count + b] for r in range(roles)]))
    of_row = np.empty(int(starts[-1]), dtype=np.intp)
    for b, mine in enumerate(rows):
        of_row[mine] = b
    blocks = batch.Blocks.of(of_row, tuple(rows))
    assert blocks.alike == all(size == sizes[0] for size in sizes)
    drawn = blocks.draw([np.random.default_rng(10 + b) for b in range(blocks_count)], 2)
    for b, mine in enumerate(rows):
        assert np.array_equal(drawn[:, mine], np.random.default_rng(10 + b).random((2, len(mine))))

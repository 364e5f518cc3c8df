"""The outcome registry and the vocabulary are the one place outcomes, roles and options are named.

Every module that records, compares, analyses or shows outcomes reads them from there; these
tests check that the registry and what a run produces agree, and that every reader finds
what it needs (a direction, a label, a format, the words).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from conftest import small_scenario

from sim import run
from sim.analysis import paired
from sim.analysis.sensitivity import DEFAULT_OUTCOMES, check_outcomes, outcome_values
from sim.core import outcomes as registry
from sim.core.state import EMPLOYEE_OPTIONS, PARTNER_OPTIONS, ROLE_NAMES, Role
from sim.core.vocabulary import OPTIONS, ROLES
from sim.experiments.store import OUTCOMES as RECORDED
from sim.presentation.narration import ROLE_WORDS
from sim.presentation.plots import BEHAVIOUR_LABELS, ROLE_LABELS
from sim.presentation.reports.outcomes import OUTCOME_LABELS, RUN_HEADLINE, UNIT_FORMATS


@pytest.fixture(scope="module")
def summary() -> dict:
    return run(small_scenario({"run.weeks": 20}), agents=False).summary


def test_a_run_summary_has_every_registry_outcome(summary):
    produced = set(summary["outcomes"])
    assert set(registry.OUTCOMES) <= produced
    assert set(registry.SUMMARY_ONLY) <= produced
    assert not set(registry.OUTCOMES) & set(registry.SUMMARY_ONLY)


def test_every_recorded_outcome_of_a_run_is_in_the_registry_in_its_order():
    assert tuple(RECORDED) == tuple(registry.OUTCOMES)


def test_registry_names_its_outcomes_by_their_key_and_knows_success():
    for name, o in {**registry.OUTCOMES, **registry.SUMMARY_ONLY}.items():
        assert o.name == name and registry.outcome(name) is o
        assert o.label and o.source
        assert o.direction in (registry.HIGHER, registry.LOWER, registry.NEITHER)
    assert registry.outcome("success") is registry.SUCCESS
    assert registry.success("success") == 1.0
    assert registry.success("failure") == 0.0
    assert math.isnan(registry.success("undetermined")) and math.isnan(registry.success(None))  # not judged
    assert set(registry.HEADLINE) <= set(registry.OUTCOMES)


def _runs(arm_values: dict[str, list[float]], outcome: str) -> pd.DataFrame:
    rows = [
        {"arm": arm, "replication": i, "status": "ok", "verdict": "success", outcome: v}
        for arm, values in arm_values.items()
        for i, v in enumerate(values)
    ]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("name", list(registry.OUTCOMES))
def test_paired_comparison_judges_better_by_the_registry_direction(name):
    """An arm higher on every seed is better, worse, or neither as the registry says."""
    table = paired.compare_arms(_runs({"base": [0.1, 0.2, 0.3], "arm": [0.2, 0.3, 0.4]}, name), "base", [name])
    p_better = table.loc[table["arm"] == "arm", "p_better"].iloc[0]
    direction = registry.OUTCOMES[name].direction
    if direction == registry.NEITHER:
        assert pd.isna(p_better)
    else:
        assert p_better == (1.0 if direction == registry.HIGHER else 0.0)


def test_a_column_that_is_no_outcome_has_no_better_direction():
    assert paired.better_direction("policy.commitment") == registry.NEITHER


def test_every_outcome_has_a_label_and_format_on_the_pages():
    shown = {**registry.OUTCOMES, **registry.SUMMARY_ONLY}
    assert set(OUTCOME_LABELS) == set(shown)
    for name, (label, kind) in OUTCOME_LABELS.items():
        assert label == shown[name].label
        assert kind == ("num" if name == "cost_per_sale_last13" else UNIT_FORMATS[shown[name].unit])
    assert set(RUN_HEADLINE) <= set(shown)


def test_sensitivity_reads_its_outcomes_and_success_from_the_registry():
    assert set(DEFAULT_OUTCOMES) <= set(registry.OUTCOMES)
    assert check_outcomes(["success", "roi"]) == ["success", "roi"]
    runs = pd.DataFrame({"verdict": ["success", "failure", "undetermined"]})
    values = outcome_values(runs, "success").tolist()
    assert values[:2] == [1.0, 0.0] and math.isnan(values[2])


def test_roles_and_options_are_spelled_once():
    assert [ROLE_NAMES[role] for role in Role] == list(ROLES)
    assert set(EMPLOYEE_OPTIONS) | set(PARTNER_OPTIONS) | {"legacy"} == set(OPTIONS)
    for role, key in ROLE_NAMES.items():
        assert ROLE_WORDS[role] == ROLE_LABELS[role] == ROLES[key].singular
    assert BEHAVIOUR_LABELS["partner_go_around"] == OPTIONS["go_around"].short
    assert registry.OUTCOMES["intended_use_service_last13"].label.startswith("Service agents")

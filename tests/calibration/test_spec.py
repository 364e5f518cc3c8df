"""Bad specs and logs are refused with one line naming the file, the field and what is allowed."""

from __future__ import annotations

import pytest
from calibration_helpers import synthetic_log, write_spec

from sim.calibration.calibrate import prepare
from sim.cli import main
from sim.core.errors import InputError

HABIT = '"behaviour.habit" = { uniform = [0.2, 0.7] }'


def refused(spec) -> InputError:
    with pytest.raises(InputError) as caught:
        prepare(spec)
    return caught.value


def test_a_good_spec_is_read(pilot):
    synthetic_log(pilot, {"behaviour.habit": 0.4}, 3)
    spec, log, _, observation, horizon = prepare(write_spec(pilot, HABIT, "forecast_weeks = 10"))
    assert list(spec.fit) == ["behaviour.habit"]
    assert log.columns == ["gaming", "intended_use"]
    assert log.last_week == 18 and horizon == 28
    assert len(observation.observed) == 18


@pytest.mark.parametrize(
    ("fit", "field", "words"),
    [
        (
            '"behaviour.nonsense" = { uniform = [0, 1] }',
            "fit.behaviour.nonsense",
            "unknown key; allowed under behaviour:",
        ),
        ('"policy.integration" = { uniform = [0, 1] }', "fit.policy.integration", "not a numeric key"),
        ('"behaviour.habit" = { choice = [0.2, 0.4] }', "fit.behaviour.habit", "allowed: uniform, normal"),
        ('"behaviour.habit" = { uniform = [0.5, 0.2] }', "fit.behaviour.habit", "low must be below high"),
        ('"org.employees" = { uniform = [50, 90] }', "fit.org.employees", "not fitted"),
    ],
)
def test_a_bad_fit_key_is_named(pilot, fit, field, words):
    synthetic_log(pilot, {}, 3)
    error = refused(write_spec(pilot, fit))
    assert error.field == field and words in error.message


@pytest.mark.parametrize(
    ("content", "field", "words"),
    [
        ("week,adoption\n1,0.1\n", "adoption", "allowed: live, live_partners, intended_use"),
        ("week,intended_use\n1,0.1\n40,0.2\n", "week", "got 40; allowed: 1 to 36"),
        ("week,intended_use\n0,0.1\n", "week", "allowed: 1 to 36"),
        ("week,intended_use\n1,0.1\n2,1.4\n", "intended_use", "week 2: got 1.4; a share is between 0 and 1"),
        ("week,intended_use\n1,-0.1\n", "intended_use", "between 0 and 1"),
        ("week,intended_use\n1,abc\n", "intended_use", "week 1: got 'abc'; allowed: numbers between 0 and 1"),
        ("week,intended_use\n3,0.2\n4,12%\n", "intended_use", "week 4: got '12%'"),
        ("week,intended_use\n1,45\n", "intended_use", "a percentage? give 0.45 for 45%"),
        ("week,gaming,gaming\n1,0.1,0.2\n", "gaming", "appears twice among the columns"),
        ("week,intended_use\nA,1,0.1\nA,2,0.2\n", None, "rows have more fields than its header names"),
        ("week,gaming,Gaming \n1,0.1,0.2\n", "gaming", "appears twice among the columns"),
        ("week,intended_use,intended_use_n\n1,0.1,0\n", "intended_use_n", "whole numbers from 1 to"),
        ("week,intended_use,intended_use_n\n5,0.1,1e308\n", "intended_use_n", "whole numbers from 1 to"),
        ("week,intended_use\n1e20,0.1\n", "week", "got 100000000000000000000; allowed: 1 to 36"),
        ("week,intended_use\n5,true\n", "intended_use", "line 2: got True; allowed: numbers, not true/false"),
        ("week,intended_use\nTRUE,0.1\n", "week", "not true/false"),
        ("", None, "is empty"),
        ("week,intended_use\n", None, "has no rows"),
        ("intended_use\n0.1\n", "week", "missing"),
        ("week,intended_use\n4,0.1\n4.5,0.2\n", "week", "line 3: got 4.5; allowed: whole numbers"),
        ("week,intended_use\n4,0.1\n,0.2\n", "week", "line 3: got an empty cell; allowed: whole numbers"),
        ("week,intended_use\n4,0.1\n,\n\n5.5,0.2\n", "week", "line 5: got 5.5"),  # empty rows before it
        # counted from go-live (week 4 of the scenario) instead of from its first week
        ("week,intended_use,gaming\n1,0,0\n3,0,0.02\n", "gaming", "week 3: got 0.02, but nobody is live before"),
    ],
)
def test_a_bad_log_is_named(pilot, content, field, words):
    (pilot / "log.csv").write_text(content, encoding="utf-8")
    error = refused(write_spec(pilot, HABIT))
    assert error.source.endswith("log.csv")
    assert error.field == field and words in error.message


def test_use_before_the_scenarios_go_live_is_read_when_the_go_live_is_fitted(pilot):
    (pilot / "log.csv").write_text("week,intended_use\n2,0.1\n6,0.3\n", encoding="utf-8")
    assert refused(write_spec(pilot, HABIT)).field == "intended_use"
    _, log, *_ = prepare(write_spec(pilot, '"policy.go_live_week" = { uniform = [1, 8] }'))
    assert list(log.cells["week"]) == [2, 6]


def test_a_spreadsheets_empty_rows_and_zeros_before_go_live_are_read(pilot):
    (pilot / "log.csv").write_text("week,intended_use,data_quality\n1,0,0.4\n4,0.1,0.3\n,,\n,,\n", encoding="utf-8")
    spec, log, *_ = prepare(write_spec(pilot, HABIT))
    assert list(log.cells["week"]) == [1, 1, 4, 4] and log.cells["value"].tolist() == [0.4, 0.0, 0.3, 0.1]


def test_a_logs_headers_are_read_as_the_model_names_its_columns(pilot):
    from sim.calibration.observed import read_observed

    (pilot / "log.csv").write_text("Week,Intended_Use , gaming\r\n1,0.1,0.2\r\n2,,0.3\r\n", encoding="utf-8")
    cells = read_observed(pilot / "log.csv", 10, "spec").cells
    assert set(cells["column"]) == {"intended_use", "gaming"} and len(cells) == 3


def test_missing_files_and_unknown_settings(pilot):
    error = refused(write_spec(pilot, HABIT, observed="nowhere.csv"))
    assert error.field == "observed" and "no such file" in error.message
    synthetic_log(pilot, {}, 3)
    error = refused(write_spec(pilot, HABIT, "generatoins = 3"))
    assert error.field == "settings.generatoins" and "allowed: population, generations" in error.message
    error = refused(write_spec(pilot, HABIT, arms='[arms]\n"behaviour.habit" = [0.1]'))
    assert error.field == "arms.behaviour.habit=0.1" and "allowed: policy keys" in error.message
    error = refused(write_spec(pilot, HABIT, arms='[arms]\n"policy.integration" = ["sideways"]'))
    assert "policy.integration" in str(error)


def test_the_command_says_one_line_and_exits_2(pilot, capsys):
    (pilot / "log.csv").write_text("week,adoption\n1,0.1\n", encoding="utf-8")
    spec = write_spec(pilot, HABIT)
    assert main(["calibrate", str(spec), "--out", str(pilot / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "log.csv: adoption: not a column the model produces" in err
    assert "Traceback" not in err
    assert not (pilot / "out").exists()  # refused before anything was written


def test_a_folder_of_other_files_is_refused(pilot, capsys):
    synthetic_log(pilot, {}, 3)
    spec = write_spec(pilot, HABIT)
    (pilot / "mine").mkdir()
    (pilot / "mine" / "notes.txt").write_text("keep me", encoding="utf-8")
    assert main(["calibrate", str(spec), "--out", str(pilot / "mine"), "--quiet"]) == 2
    assert "notes.txt" in capsys.readouterr().err
    assert (pilot / "mine" / "notes.txt").read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize(
    "arms",
    [
        '[arms]\n"policy.mandate" = [0.5]\n[arms."policy.mandate=0.5"]\n"policy.mandate" = 0.9',
        '[arms]\n"policy.mandate" = [0.5, 0.5]',
    ],
)
def test_an_arm_named_twice_is_refused_not_dropped(pilot, arms):
    """Before, a table named as a listed value replaced that arm (its results labelled mandate 0.5
    ran 0.9), and a value listed twice made one arm, both without a word."""
    synthetic_log(pilot, {"behaviour.habit": 0.4}, 3)
    error = refused(write_spec(pilot, HABIT, arms=arms))
    assert error.field.startswith("arms.policy.mandate") and "twice" in error.message


@pytest.mark.parametrize(
    ("fit", "settings", "field", "words"),
    [
        ('"behaviour.habit" = { normal = [0.5, 1e308] }', "", "fit.behaviour.habit", "sd must be at most 1e+100"),
        (HABIT, "share_floor = 1e-300", "settings.share_floor", "got 1e-300; allowed: >= 1e-06"),
    ],
)
def test_a_prior_or_a_floor_past_what_the_arithmetic_holds_is_refused(pilot, fit, settings, field, words):
    """A normal prior of sd 1e308 ended in pyABC's traceback (its kernel squares it), and a share
    floor of 1e-300 flooded the terminal with divisions by zero and never finished."""
    synthetic_log(pilot, {"behaviour.habit": 0.4}, 3)
    error = refused(write_spec(pilot, fit, settings))
    assert error.field == field and words in error.message, error

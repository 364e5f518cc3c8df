"""The organisation: generated firms and networks, and the people/edge-list CSV import."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import EDGES_HEADER, EDGES_ROWS, PEOPLE_HEADER, PEOPLE_ROWS, small_scenario, write_csv

from sim import CRMRollout, Scenario, run
from sim.core.errors import InputError
from sim.core.organisation import generate, import_csv
from sim.core.state import Role


def build(overrides: dict, seed: int = 1):
    scenario = small_scenario(overrides, seed)
    return scenario, generate(scenario, np.random.default_rng(seed))


def neighbours(org, row: int) -> np.ndarray:
    a = org.adjacency
    return a.indices[a.indptr[row] : a.indptr[row + 1]]


# --- generated organisations ------------------------------------------------------------


@pytest.mark.parametrize("kind", ["small_world", "scale_free"])
def test_generated_roles_follow_span_of_control_and_sales_share(kind):
    scenario, org = build({"network.kind": kind, "org.employees": 230, "org.span_of_control": 7})
    n_emp, n_partners = 230, scenario.org.partners
    n_mgr = -(-n_emp // (7 + 1))
    n_sales = round(scenario.org.sales_share * (n_emp - n_mgr))
    counts = np.bincount(org.role, minlength=4)
    assert counts[Role.MANAGER] == n_mgr
    assert counts[Role.SALES] == n_sales
    assert counts[Role.SERVICE] == n_emp - n_mgr - n_sales
    assert counts[Role.PARTNER] == n_partners
    assert org.n == n_emp + n_partners and org.employees == n_emp
    # rows are sorted by role, so each role is one contiguous slice
    assert np.all(np.diff(org.role) >= 0)
    for role in Role:
        assert np.all(org.role[org.role_slice(role)] == role)


@pytest.mark.parametrize("kind", ["small_world", "scale_free"])
def test_generated_hierarchy_staff_report_to_a_manager_in_their_department_and_site(kind):
    _, org = build({"network.kind": kind, "org.departments": 3, "org.sites": 2})
    staff = np.flatnonzero((org.role == Role.SALES) | (org.role == Role.SERVICE))
    boss = org.manager[staff]
    assert np.all(org.role[boss] == Role.MANAGER)
    assert np.array_equal(org.department[boss], org.department[staff])
    assert np.array_equal(org.site[boss], org.site[staff])
    assert np.all(org.manager[org.role == Role.MANAGER] == -1)
    assert set(np.unique(org.department[org.role != Role.PARTNER])) == {0, 1, 2}
    assert org.department_names == ["D1", "D2", "D3"] and org.site_names == ["S1", "S2"]


def test_generated_partners_are_served_by_a_sales_rep_and_take_their_department():
    _, org = build({})
    partners = np.flatnonzero(org.role == Role.PARTNER)
    rep = org.manager[partners]
    assert np.all(org.role[rep] == Role.SALES)
    assert np.array_equal(org.department[partners], org.department[rep])
    assert np.array_equal(org.site[partners], org.site[rep])


def test_without_sales_reps_partners_are_served_by_some_employee():
    _, org = build({"org.sales_share": 0.0})
    assert not np.any(org.role == Role.SALES)
    rep = org.manager[org.role == Role.PARTNER]
    assert np.all((rep >= 0) & (org.role[rep] != Role.PARTNER))


@pytest.mark.parametrize("kind", ["small_world", "scale_free"])
def test_generated_network_is_symmetric_binary_without_self_ties_and_has_the_formal_ties(kind):
    _, org = build({"network.kind": kind})
    a = org.adjacency
    assert a.shape == (org.n, org.n)
    assert (a != a.T).nnz == 0
    assert np.all(a.data == 1.0)
    assert np.all(a.diagonal() == 0)
    for row in range(org.n):
        if org.manager[row] >= 0:  # report-manager and partner-rep ties are always there
            assert org.manager[row] in neighbours(org, row)


def test_partners_compare_terms_only_with_partners_of_their_department():
    _, org = build({"network.partner_ties": 4.0})
    for p in np.flatnonzero(org.role == Role.PARTNER):
        peers = [q for q in neighbours(org, p) if org.role[q] == Role.PARTNER]
        assert all(org.department[q] == org.department[p] for q in peers)


def test_more_cross_team_ties_make_a_denser_network():
    # Poisson ties, mean 1 versus 6 per person on 240 people: thousands of ties apart.
    _, sparse_org = build({"network.cross_team_ties": 1.0})
    _, dense_org = build({"network.cross_team_ties": 6.0})
    assert dense_org.adjacency.nnz > sparse_org.adjacency.nnz + 500


# --- imported organisations ---------------------------------------------------------------


def test_import_builds_roles_departments_sites_managers_and_weighted_ties(org_csvs):
    org = import_csv(*org_csvs)
    ids = list(org.external_id)
    # sorted by role, file order kept within a role
    assert ids == ["S1", "S2", "V1", "V2", "M1", "M2", "P1", "P2"]
    assert list(org.role) == [Role.SALES] * 2 + [Role.SERVICE] * 2 + [Role.MANAGER] * 2 + [Role.PARTNER] * 2
    row = {pid: i for i, pid in enumerate(ids)}
    assert org.department_names == ["North", "South"]
    assert org.site_names == ["Branch", "HQ"]
    people = {r[0]: r for r in PEOPLE_ROWS}
    for pid, i in row.items():
        assert org.department_names[org.department[i]] == people[pid][2]
        assert org.site_names[org.site[i]] == people[pid][3]
    expected_boss = {"S1": "M1", "V1": "M1", "S2": "M2", "V2": "M2", "M2": "M1", "P1": "S1", "P2": "S2"}
    for pid, boss in expected_boss.items():
        assert org.manager[row[pid]] == row[boss]
    assert org.manager[row["M1"]] == -1
    a = org.adjacency.toarray()
    assert np.array_equal(a, a.T)
    for source, target, weight in EDGES_ROWS:
        assert a[row[source], row[target]] == float(weight)
    assert np.count_nonzero(a) == 2 * len(EDGES_ROWS)
    assert org.employees == 6 and org.n == 8


def test_import_without_weights_defaults_to_one_and_partner_to_its_tied_sales_rep(tmp_path):
    people = write_csv(
        tmp_path / "p.csv",
        ["id", "role", "department", "site", "manager"],
        [["A", "manager", "D", "S", ""], ["B", "sales", "D", "S", "A"], ["X", "partner", "D", "S", ""]],
    )
    edges = write_csv(tmp_path / "e.csv", ["source", "target"], [["A", "B"], ["X", "A"], ["X", "B"]])
    org = import_csv(people, edges)
    assert set(org.adjacency.data) == {1.0}
    assert org.manager[list(org.external_id).index("X")] == list(org.external_id).index("B")


def test_imported_organisation_runs_and_partners_go_live_with_their_rep(org_csvs):
    people, edges = org_csvs
    scenario = small_scenario(
        {
            "org.people_csv": str(people),
            "org.edges_csv": str(edges),
            "run.weeks": 12,
            "policy.rollout": "pilot",
            "policy.pilot_weeks": 4,
        }
    )
    result = run(scenario)
    agents = result.agents.set_index("id")
    assert sorted(agents.index) == sorted(r[0] for r in PEOPLE_ROWS)
    assert agents.loc["P1", "manager"] == "S1" and agents.loc["P2", "manager"] == "S2"
    assert agents.loc["P2", "go_live_week"] == agents.loc["S2", "go_live_week"]
    # pilot: the first department (North) goes live first, South pilot_weeks later
    assert agents.loc["S1", "go_live_week"] == 4 and agents.loc["S2", "go_live_week"] == 8
    assert result.summary["people"] == {"employees": 6, "partners": 2, "ties": len(EDGES_ROWS)}
    assert len(result.timeseries) == 12


def test_scenario_csv_paths_are_relative_to_the_scenario_file(tmp_path, monkeypatch):
    folder = tmp_path / "scenarios"
    (folder / "data").mkdir(parents=True)
    write_csv(folder / "data" / "people.csv", PEOPLE_HEADER, PEOPLE_ROWS)
    write_csv(folder / "data" / "edges.csv", EDGES_HEADER, EDGES_ROWS)
    toml = folder / "mine.toml"
    toml.write_text(
        '[run]\nweeks = 6\n[org]\npeople_csv = "data/people.csv"\nedges_csv = "data/edges.csv"\n', encoding="utf-8"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    model = CRMRollout(Scenario.load("../scenarios/mine.toml"))
    assert list(model.org.external_id) == ["S1", "S2", "V1", "V2", "M1", "M2", "P1", "P2"]


def _import_error(tmp_path, people_rows=None, edges_rows=None, people_header=None, edges_header=None) -> InputError:
    people = write_csv(tmp_path / "people.csv", people_header or PEOPLE_HEADER, people_rows or PEOPLE_ROWS)
    edges = write_csv(tmp_path / "edges.csv", edges_header or EDGES_HEADER, edges_rows or EDGES_ROWS)
    with pytest.raises(InputError) as info:
        import_csv(people, edges)
    return info.value


def _replace(rows, index, column, value):
    rows = [list(r) for r in rows]
    rows[index][column] = value
    return rows


#: (name, people rows, edge rows, people header, file, substrings the message must hold)
IMPORT_ERRORS = [
    (
        "unknown role",
        _replace(PEOPLE_ROWS, 3, 1, "ceo"),
        None,
        None,
        "people.csv",
        ["line 5: role", "'ceo'", "sales, service, manager, partner"],
    ),
    ("duplicate id", _replace(PEOPLE_ROWS, 5, 0, "S1"), None, None, "people.csv", ["line 7: id", "duplicate id 'S1'"]),
    (
        "edge to an unknown id",
        None,
        _replace(EDGES_ROWS, 2, 1, "X9"),
        None,
        "edges.csv",
        ["line 4: target", "unknown person id 'X9'"],
    ),
    ("zero weight", None, _replace(EDGES_ROWS, 0, 2, "0"), None, "edges.csv", ["line 2: weight", "> 0"]),
    ("negative weight", None, _replace(EDGES_ROWS, 1, 2, "-1"), None, "edges.csv", ["line 3: weight", "> 0"]),
    ("text weight", None, _replace(EDGES_ROWS, 1, 2, "heavy"), None, "edges.csv", ["line 3: weight", "'heavy'"]),
    (
        "missing column",
        [r[:2] + r[3:] for r in PEOPLE_ROWS],
        None,
        ["id", "role", "site", "manager"],
        "people.csv",
        ["department", "missing column", "required: id, role, department, site"],
    ),
    (
        "sales without manager",
        _replace(PEOPLE_ROWS, 2, 4, ""),
        None,
        None,
        "people.csv",
        ["line 4: manager", "'S1' needs a manager"],
    ),
    (
        "manager is not a manager",
        _replace(PEOPLE_ROWS, 5, 4, "V1"),
        None,
        None,
        "people.csv",
        ["line 7: manager", "'V1' is not a manager"],
    ),
    ("unknown manager", _replace(PEOPLE_ROWS, 3, 4, "M9"), None, None, "people.csv", ["unknown person id 'M9'"]),
]


@pytest.mark.parametrize(
    ("people_rows", "edges_rows", "people_header", "filename", "fragments"),
    [case[1:] for case in IMPORT_ERRORS],
    ids=[case[0] for case in IMPORT_ERRORS],
)
def test_import_errors_name_the_file_line_column_and_what_is_allowed(
    tmp_path, people_rows, edges_rows, people_header, filename, fragments
):
    err = _import_error(tmp_path, people_rows, edges_rows, people_header)
    assert err.source.endswith(filename)
    text = str(err)
    assert "\n" not in text
    for fragment in fragments:
        assert fragment in text


def test_an_edge_listed_twice_keeps_the_larger_weight(tmp_path):
    people = write_csv(tmp_path / "people.csv", PEOPLE_HEADER, PEOPLE_ROWS)
    edges = write_csv(tmp_path / "edges.csv", EDGES_HEADER, [*EDGES_ROWS, ["S1", "M1", "1.5"]])
    org = import_csv(people, edges)
    ids = list(org.external_id)
    s1, m1 = ids.index("S1"), ids.index("M1")
    assert org.adjacency[s1, m1] == 2.0
    assert org.adjacency[m1, s1] == 2.0


def test_an_edge_listed_in_both_directions_keeps_the_larger_weight(tmp_path):
    people = write_csv(tmp_path / "people.csv", PEOPLE_HEADER, PEOPLE_ROWS)
    edges = write_csv(tmp_path / "edges.csv", EDGES_HEADER, [*EDGES_ROWS, ["M1", "S1", "5"]])
    org = import_csv(people, edges)
    ids = list(org.external_id)
    s1, m1 = ids.index("S1"), ids.index("M1")
    assert org.adjacency[s1, m1] == org.adjacency[m1, s1] == 5.0


def test_imported_partner_trust_follows_its_reps_department(tmp_path):
    rows = [list(r) for r in PEOPLE_ROWS]
    rows[0] = ["P1", "partner", "South", "HQ", "S1"]  # S1 works in North
    people = write_csv(tmp_path / "people.csv", PEOPLE_HEADER, rows)
    edges = write_csv(tmp_path / "edges.csv", EDGES_HEADER, EDGES_ROWS)
    scenario = small_scenario(
        {
            "org.people_csv": str(people),
            "org.edges_csv": str(edges),
            "policy.rollout": "phased",  # North (first by name) goes live at week 2, South at week 22
            "policy.go_live_week": 2,
            "policy.phase_interval_weeks": 20,
        }
    )
    model = CRMRollout(scenario)
    ids = list(model.org.external_id)
    p1, s1 = ids.index("P1"), ids.index("S1")
    for _ in range(6):
        model.step()
    trust_before = model.state.trust[p1]
    model.step()
    assert model.state.live[p1]
    seen = model.stocks.data_quality[model.org.department[s1]]
    lag = scenario.data.trust_lag_weeks
    assert model.state.trust[p1] == pytest.approx(trust_before + (seen - trust_before) / lag, abs=1e-12)

"""The organisation: people, roles, teams, departments, sites, partners and their network.

Generated from the scenario (small-world teams or a scale-free graph), or imported from a
strategist's own people and edge-list CSV files. Either way the result is the same
``Organisation``: arrays ordered by role, and a symmetric sparse adjacency matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse

from sim.errors import InputError
from sim.scenario import Scenario
from sim.state import ROLE_NAMES, Role


@dataclass
class Organisation:
    role: np.ndarray  # int8 Role, rows sorted by role
    department: np.ndarray  # int32
    site: np.ndarray  # int32
    manager: np.ndarray  # int32 row of the person's manager; for a partner, its sales rep; -1 if none
    adjacency: sparse.csr_matrix  # symmetric, weighted
    department_names: list[str]
    site_names: list[str]
    external_id: np.ndarray | None = None  # ids from an imported people file

    @property
    def n(self) -> int:
        return len(self.role)

    @property
    def employees(self) -> int:
        return int(np.count_nonzero(self.role != Role.PARTNER))

    @property
    def departments(self) -> int:
        return len(self.department_names)

    def role_slice(self, role: Role) -> slice:
        """The contiguous rows of one role."""
        return self._role_slices[role]

    def __post_init__(self) -> None:
        bounds = np.searchsorted(self.role, np.arange(len(Role) + 1))
        self._role_slices = {role: slice(int(bounds[role]), int(bounds[role + 1])) for role in Role}


def build(scenario: Scenario, rng: np.random.Generator) -> Organisation:
    """The scenario's organisation: imported if it names CSV files, generated otherwise."""
    if scenario.org.people_csv:
        return import_csv(scenario.resolve_path(scenario.org.people_csv), scenario.resolve_path(scenario.org.edges_csv))
    return generate(scenario, rng)


# --- generated organisations -------------------------------------------------------------


def generate(scenario: Scenario, rng: np.random.Generator) -> Organisation:
    """A firm of teams (a manager and ~span reports) grouped in departments and sites."""
    org, net = scenario.org, scenario.network
    n_emp = org.employees
    n_mgr = max(1, -(-n_emp // (org.span_of_control + 1)))
    n_staff = n_emp - n_mgr
    n_sales = int(round(org.sales_share * n_staff))
    n_service = n_staff - n_sales
    n_partners = org.partners
    n = n_emp + n_partners

    role = np.concatenate(
        [
            np.full(n_sales, Role.SALES),
            np.full(n_service, Role.SERVICE),
            np.full(n_mgr, Role.MANAGER),
            np.full(n_partners, Role.PARTNER),
        ]
    ).astype(np.int8)
    mgr_rows = np.arange(n_staff, n_emp)

    # Staff fill teams in contiguous blocks, so teams are (almost all) single-role.
    staff_team = (np.arange(n_staff) * n_mgr) // max(n_staff, 1)
    team_department = np.arange(n_mgr) % org.departments
    team_site = rng.integers(org.sites, size=n_mgr)
    site_names = [f"S{s + 1}" for s in range(org.sites)]
    if org.central_service_site and org.sites > 1:
        # Consolidation (seed 004): every service team in one new central centre, site 1; the
        # other teams stay in the countries, sites 2..
        service_team = np.zeros(n_mgr, dtype=bool)
        service_team[staff_team[n_sales:]] = True
        team_site = np.where(service_team, 0, 1 + rng.integers(org.sites - 1, size=n_mgr))
        site_names[0] = "Central"

    department = np.empty(n, dtype=np.int32)
    site = np.empty(n, dtype=np.int32)
    manager = np.full(n, -1, dtype=np.int32)
    department[:n_staff] = team_department[staff_team]
    site[:n_staff] = team_site[staff_team]
    manager[:n_staff] = mgr_rows[staff_team]
    department[n_staff:n_emp] = team_department
    site[n_staff:n_emp] = team_site

    # Partners are served by a sales rep (any employee if there are no sales reps).
    servers = np.arange(n_sales) if n_sales else np.arange(n_emp)
    rep = servers[rng.integers(len(servers), size=n_partners)]
    manager[n_emp:] = rep
    department[n_emp:] = department[rep]
    site[n_emp:] = site[rep]

    edges = [np.column_stack([np.arange(n_staff), manager[:n_staff]])]  # manager-report ties
    if net.kind == "small_world":
        edges.append(_team_lattices(staff_team, net.team_degree, net.rewire, rng))
        edges.append(_manager_rings(mgr_rows, team_department))
        edges.append(_random_ties(site[:n_emp], net.cross_team_ties, rng))
        edges.append(_random_ties(np.zeros(n_emp, dtype=np.int32), net.cross_site_ties, rng))
    else:
        seed = int(rng.integers(2**31 - 1))
        graph = nx.barabasi_albert_graph(n_emp, min(net.scale_free_m, n_emp - 1), seed=seed)
        edges.append(np.asarray(graph.edges(), dtype=np.int64).reshape(-1, 2))
    if n_sales and n_service and net.support_ties > 0:  # service staff work for sales reps anywhere
        count = rng.poisson(net.support_ties, size=n_service)
        helper = n_sales + np.repeat(np.arange(n_service), count)
        edges.append(np.column_stack([helper, rng.integers(n_sales, size=len(helper))]))
    edges.append(np.column_stack([np.arange(n_emp, n), rep]))  # partner-rep ties
    edges.append(n_emp + _random_ties(department[n_emp:], net.partner_ties, rng))  # partners compare terms

    adjacency = _symmetric(np.concatenate(edges), np.ones(sum(len(e) for e in edges)), n, binary=True)
    return Organisation(
        role=role,
        department=department,
        site=site,
        manager=manager,
        adjacency=adjacency,
        department_names=[f"D{d + 1}" for d in range(org.departments)],
        site_names=site_names,
    )


def _team_lattices(team: np.ndarray, degree: int, rewire: float, rng) -> np.ndarray:
    """Watts-Strogatz inside every team at once: ring neighbours, a few rewired in-team."""
    if len(team) == 0 or degree < 2:
        return np.empty((0, 2), dtype=np.int64)
    starts = np.searchsorted(team, np.arange(team.max() + 1))
    sizes = np.bincount(team)
    me = np.arange(len(team))
    start, size = starts[team], sizes[team]
    pos = me - start
    pairs = []
    for d in range(1, degree // 2 + 1):
        target = start + (pos + d) % size
        rewired = rng.random(len(team)) < rewire
        target = np.where(rewired, start + rng.integers(0, size), target)
        pairs.append(np.column_stack([me, target]))
    return np.concatenate(pairs)


def _manager_rings(mgr_rows: np.ndarray, team_department: np.ndarray) -> np.ndarray:
    """Managers of a department know each other: a ring through each department's managers."""
    order = np.lexsort((mgr_rows, team_department))
    rows, dept = mgr_rows[order], team_department[order]
    same = dept[1:] == dept[:-1]
    return np.column_stack([rows[:-1][same], rows[1:][same]])


def _random_ties(group: np.ndarray, mean_degree: float, rng) -> np.ndarray:
    """Random ties inside each group (site, department; one group = anywhere), ~mean_degree each."""
    n = len(group)
    if n < 2 or mean_degree <= 0:
        return np.empty((0, 2), dtype=np.int64)
    count = rng.poisson(mean_degree / 2, size=n)
    source = np.repeat(np.arange(n), count)
    order = np.argsort(group, kind="stable")
    starts = np.searchsorted(group[order], group)
    sizes = np.bincount(group)[group]
    target = order[starts[source] + rng.integers(0, sizes[source])]
    return np.column_stack([source, target])


def _symmetric(pairs: np.ndarray, weight: np.ndarray, n: int, binary: bool) -> sparse.csr_matrix:
    """Undirected ties without self-ties; a tie listed more than once keeps its largest weight."""
    keep = pairs[:, 0] != pairs[:, 1]
    pairs, weight = pairs[keep], weight[keep]
    lo, hi = pairs.min(axis=1), pairs.max(axis=1)
    if binary:
        key = np.unique(lo.astype(np.int64) * n + hi)
        weight = np.ones(len(key))
    else:
        tie = lo.astype(np.int64) * n + hi
        order = np.lexsort((-weight, tie))  # per tie, largest weight first
        tie, weight = tie[order], weight[order]
        first = np.r_[True, tie[1:] != tie[:-1]]
        key, weight = tie[first], weight[first]
    row, col = key // n, key % n
    a = sparse.csr_matrix((np.r_[weight, weight], (np.r_[row, col], np.r_[col, row])), shape=(n, n))
    a.sort_indices()
    return a


# --- imported organisations --------------------------------------------------------------

IMPORT_ROLES = {"sales": Role.SALES, "service": Role.SERVICE, "manager": Role.MANAGER, "partner": Role.PARTNER}


def import_csv(people_path, edges_path) -> Organisation:
    """A real organisation from a people CSV and an edge-list CSV, validated line by line.

    people: ``id,role,department,site[,manager]`` with role one of sales, service, manager,
    partner. ``manager`` names the manager of a sales or service person (required), and the
    sales rep who serves a partner (optional: else the partner's first tie to a sales rep).
    edges: ``source,target[,weight]``; ties are undirected, weights positive.
    """
    people = _read_csv(people_path, required=["id", "role", "department", "site"], optional=["manager"])
    edges = _read_csv(edges_path, required=["source", "target"], optional=["weight"])
    src = str(people_path)

    ids = people["id"].astype(str).str.strip()
    dup = ids.duplicated()
    if dup.any():
        raise InputError(src, f"line {_line(dup.idxmax())}: id", f"duplicate id {ids[dup].iloc[0]!r}")
    roles = people["role"].astype(str).str.strip().str.lower()
    bad = ~roles.isin(IMPORT_ROLES)
    if bad.any():
        i = bad.idxmax()
        raise InputError(
            src, f"line {_line(i)}: role", f"got {people['role'][i]!r}; allowed: {', '.join(IMPORT_ROLES)}"
        )
    for column in ("department", "site"):
        empty = people[column].isna() | (people[column].astype(str).str.strip() == "")
        if empty.any():
            raise InputError(src, f"line {_line(empty.idxmax())}: {column}", "must not be empty")

    role_code = roles.map(IMPORT_ROLES).to_numpy(dtype=np.int8)
    if not (role_code != Role.PARTNER).any():
        raise InputError(src, "role", "no employees (sales, service or manager) in the file")
    order = np.argsort(role_code, kind="stable")
    row_of = pd.Series(np.empty(len(ids), dtype=np.int64), index=ids.to_numpy())
    row_of.iloc[order] = np.arange(len(ids))
    n = len(ids)

    dept_codes, dept_names = pd.factorize(people["department"].astype(str).str.strip(), sort=True)
    site_codes, site_names = pd.factorize(people["site"].astype(str).str.strip(), sort=True)

    # the ties
    e_src = edges["source"].astype(str).str.strip()
    e_dst = edges["target"].astype(str).str.strip()
    for column, values in (("source", e_src), ("target", e_dst)):
        unknown = ~values.isin(row_of.index)
        if unknown.any():
            i = unknown.idxmax()
            raise InputError(str(edges_path), f"line {_line(i)}: {column}", f"unknown person id {values[i]!r}")
    if "weight" in edges:
        weight = pd.to_numeric(edges["weight"], errors="coerce")
        bad = weight.isna() | ~(weight > 0) | ~np.isfinite(weight)
        if bad.any():
            i = bad.idxmax()
            raise InputError(
                str(edges_path), f"line {_line(i)}: weight", f"got {edges['weight'][i]!r}; allowed: a number > 0"
            )
        weight = weight.to_numpy(dtype=float)
    else:
        weight = np.ones(len(edges))
    pairs = np.column_stack([row_of[e_src].to_numpy(), row_of[e_dst].to_numpy()])
    adjacency = _symmetric(pairs, weight, n, binary=False)

    # the hierarchy
    manager = np.full(n, -1, dtype=np.int32)
    mgr_col = people["manager"] if "manager" in people else pd.Series([np.nan] * n)
    mgr_ids = mgr_col.astype("string").str.strip().fillna("")
    role_by_id = pd.Series(role_code, index=ids.to_numpy())
    for i in range(n):
        r, boss = role_code[i], mgr_ids.iloc[i]
        here = f"line {_line(i)}: manager"
        if boss == "":
            if r in (Role.SALES, Role.SERVICE):
                raise InputError(src, here, f"{ROLE_NAMES[Role(r)]} person {ids[i]!r} needs a manager")
            continue
        if boss not in row_of.index:
            raise InputError(src, here, f"unknown person id {boss!r}")
        if r in (Role.SALES, Role.SERVICE) and role_by_id[boss] != Role.MANAGER:
            raise InputError(src, here, f"{boss!r} is not a manager")
        if r == Role.PARTNER and role_by_id[boss] != Role.SALES:
            raise InputError(src, here, f"a partner is served by a sales rep; {boss!r} is not in sales")
        manager[row_of[ids[i]]] = row_of[boss]

    role = role_code[order]
    partner_rows = np.flatnonzero(role == Role.PARTNER)
    for p in partner_rows[manager[partner_rows] < 0]:
        neighbours = adjacency.indices[adjacency.indptr[p] : adjacency.indptr[p + 1]]
        reps = neighbours[role[neighbours] == Role.SALES]
        if len(reps) == 0:
            raise InputError(src, "manager", f"partner {ids.iloc[order[p]]!r} names no sales rep and has no tie to one")
        manager[p] = reps[0]

    return Organisation(
        role=role,
        department=dept_codes[order].astype(np.int32),
        site=site_codes[order].astype(np.int32),
        manager=manager,
        adjacency=adjacency,
        department_names=[str(d) for d in dept_names],
        site_names=[str(s) for s in site_names],
        external_id=ids.to_numpy()[order],
    )


def _read_csv(path, required: list[str], optional: list[str]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, skipinitialspace=True)
    except FileNotFoundError:
        raise InputError(str(path), None, "no such file") from None
    except OSError as exc:
        raise InputError(str(path), None, f"cannot be read: {exc.strerror or exc}") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(str(path), None, f"not a readable CSV file: {str(exc).splitlines()[0]}") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(
            str(path), missing[0], f"missing column; required: {', '.join(required)}; optional: {', '.join(optional)}"
        )
    unknown = [c for c in frame.columns if c not in required + optional]
    if unknown:
        raise InputError(str(path), unknown[0], f"unknown column; allowed: {', '.join(required + optional)}")
    for column in required:
        empty = frame[column].isna()
        if empty.any():
            raise InputError(str(path), f"line {_line(empty.idxmax())}: {column}", "must not be empty")
    if frame.empty:
        raise InputError(str(path), None, "has a header but no rows")
    return frame


def _line(row_index) -> int:
    """The file line of a data row (the header is line 1)."""
    return int(row_index) + 2

"""The organisation: people, roles, teams, departments, sites, partners and their network.

Generated from the scenario (small-world teams or a scale-free graph), or imported from a
strategist's own people and edge-list CSV files. Either way the result is the same
``Organisation``: arrays ordered by role, and a symmetric sparse adjacency matrix.
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse

from sim.core.errors import InputError, read_bounded
from sim.core.scenario import Scenario
from sim.core.state import ROLE_NAMES, Role


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
        edges.append(_manager_chains(mgr_rows, team_department))
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


def _manager_chains(mgr_rows: np.ndarray, team_department: np.ndarray) -> np.ndarray:
    """Managers of a department know each other: a chain through each department's managers, each
    tied to the next in row order (a chain, not closed into a ring)."""
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
        key = np.sort(lo.astype(np.int64) * n + hi)
        first = np.ones(len(key), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        key = key[first]  # each tie once, as np.unique would give it (which hashes here: 15-40 times slower)
        weight = np.ones(len(key))
    else:
        tie = lo.astype(np.int64) * n + hi
        order = np.lexsort((-weight, tie))  # per tie, largest weight first
        tie, weight = tie[order], weight[order]
        first = np.ones(len(tie), dtype=bool)
        first[1:] = tie[1:] != tie[:-1]
        key, weight = tie[first], weight[first]
    row, col = key // n, key % n
    a = sparse.csr_matrix((np.r_[weight, weight], (np.r_[row, col], np.r_[col, row])), shape=(n, n))
    a.sort_indices()
    return a


# --- imported organisations --------------------------------------------------------------

IMPORT_ROLES = {"sales": Role.SALES, "service": Role.SERVICE, "manager": Role.MANAGER, "partner": Role.PARTNER}

#: Imported files above this size are refused: a wrong path (a device, a dump) must not fill memory.
DEFAULT_IMPORT_LIMIT_MB = 200
#: The environment variable that raises (or lowers) the limit, in megabytes.
IMPORT_LIMIT_VARIABLE = "CRMSIM_MAX_IMPORT_MB"
MEGABYTE = 1_000_000
#: The largest import limit that can be set: a terabyte.
MAX_IMPORT_LIMIT_MB = 1_000_000

#: Tie weights are relative strengths; outside this range sums of weights overflow or vanish.
MIN_WEIGHT, MAX_WEIGHT = 1e-6, 1e6

PEOPLE_COLUMNS = (["id", "role", "department", "site"], ["manager"])
EDGE_COLUMNS = (["source", "target"], ["weight"])


def import_csv(people_path, edges_path, *, max_bytes: int | None = None) -> Organisation:
    """A real organisation from a people CSV and an edge-list CSV, validated line by line.

    people: ``id,role,department,site[,manager]`` with role one of sales, service, manager,
    partner. ``manager`` names the manager of a sales or service person (required) or of a
    manager (optional), and the sales rep who serves a partner (optional: else the partner's
    first tie to a sales rep). Chains of managers end at someone with no manager.
    edges: ``source,target[,weight]``; ties are undirected, weights from 1e-6 to 1e6.
    Each file may hold at most ``max_bytes`` (default: ``import_limit_bytes()``).
    """
    limit = import_limit_bytes() if max_bytes is None else max_bytes
    people, people_lines = _read_csv(people_path, *PEOPLE_COLUMNS, limit=limit)
    edges, edge_lines = _read_csv(edges_path, *EDGE_COLUMNS, limit=limit)
    src = str(people_path)

    ids = people["id"].astype(str).str.strip()
    dup = ids.duplicated()
    if dup.any():
        raise InputError(src, f"line {people_lines[dup.idxmax()]}: id", f"duplicate id {ids[dup].iloc[0]!r}")
    if len(ids) < 2:
        raise InputError(
            src, f"line {people_lines[0]}: id", "the only person; allowed: at least two people (a manager and a report)"
        )
    roles = people["role"].astype(str).str.strip().str.lower()
    bad = ~roles.isin(IMPORT_ROLES)
    if bad.any():
        i = bad.idxmax()
        raise InputError(
            src, f"line {people_lines[i]}: role", f"got {people['role'][i]!r}; allowed: {', '.join(IMPORT_ROLES)}"
        )
    for column in ("department", "site"):
        empty = people[column].isna() | (people[column].astype(str).str.strip() == "")
        if empty.any():
            raise InputError(src, f"line {people_lines[empty.idxmax()]}: {column}", "must not be empty")

    role_code = roles.map(IMPORT_ROLES).to_numpy(dtype=np.int8)
    if not (role_code != Role.PARTNER).any():
        raise InputError(src, "role", "no employees (sales, service or manager) in the file")
    order = np.argsort(role_code, kind="stable")
    row_of = pd.Series(np.empty(len(ids), dtype=np.int64), index=ids.to_numpy())
    row_of.iloc[order] = np.arange(len(ids))
    n = len(ids)

    dept_codes, dept_names = pd.factorize(people["department"].astype(str).str.strip(), sort=True)
    site_codes, site_names = pd.factorize(people["site"].astype(str).str.strip(), sort=True)

    pairs, weight = _ties(edges, edge_lines, str(edges_path), row_of)
    adjacency = _symmetric(pairs, weight, n, binary=False)

    boss = _boss_positions(people, people_lines, src, ids, role_code)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    manager = np.full(n, -1, dtype=np.int32)
    has_boss = boss >= 0
    manager[rank[has_boss]] = rank[boss[has_boss]]

    role = role_code[order]
    partner_rows = np.flatnonzero(role == Role.PARTNER)
    for p in partner_rows[manager[partner_rows] < 0]:
        neighbours = adjacency.indices[adjacency.indptr[p] : adjacency.indptr[p + 1]]
        reps = neighbours[role[neighbours] == Role.SALES]
        if len(reps) == 0:
            raise InputError(
                src,
                f"line {people_lines[order[p]]}: manager",
                f"partner {ids.iloc[order[p]]!r} names no sales rep and has no tie to one; allowed: a sales rep's id",
            )
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


def _ties(edges: pd.DataFrame, lines: np.ndarray, src: str, row_of: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The edge list as row pairs and weights; unknown people and unusable weights are refused."""
    e_src = edges["source"].astype(str).str.strip()
    e_dst = edges["target"].astype(str).str.strip()
    for column, values in (("source", e_src), ("target", e_dst)):
        unknown = ~values.isin(row_of.index)
        if unknown.any():
            i = unknown.idxmax()
            raise InputError(src, f"line {lines[i]}: {column}", f"unknown person id {values[i]!r}")
    if (e_src == e_dst).all():
        # every tie would be dropped as a self-tie, leaving people who cannot influence each other
        raise InputError(
            src, f"line {lines[0]}: target", "every tie joins a person to themself; allowed: ties between two people"
        )
    if "weight" in edges:
        text = edges["weight"].fillna("")
        weight = pd.to_numeric(text.str.strip(), errors="coerce")
        bad = weight.isna() | ~((weight >= MIN_WEIGHT) & (weight <= MAX_WEIGHT))
        if bad.any():
            i = bad.idxmax()
            raise InputError(
                src,
                f"line {lines[i]}: weight",
                f"got {text[i]!r}; allowed: a number > 0, from {MIN_WEIGHT:g} to {MAX_WEIGHT:g}",
            )
        weight = weight.to_numpy(dtype=float)
    else:
        weight = np.ones(len(edges))
    return np.column_stack([row_of[e_src].to_numpy(), row_of[e_dst].to_numpy()]), weight


def _boss_positions(
    people: pd.DataFrame, lines: np.ndarray, src: str, ids: pd.Series, role_code: np.ndarray
) -> np.ndarray:
    """Per person (file order), the file position of whom their ``manager`` column names, or -1.

    Staff report to a manager, managers to a manager (or no one), a partner names the sales
    rep who serves it: so a partner is never anyone's boss, and no one is their own boss,
    directly or through a cycle of managers.
    """
    n = len(ids)
    names = people["manager"] if "manager" in people else pd.Series([""] * n)
    names = names.fillna("").astype(str).str.strip().to_numpy()
    boss = pd.Index(ids.to_numpy()).get_indexer(names)
    staff = (role_code == Role.SALES) | (role_code == Role.SERVICE)
    partner = role_code == Role.PARTNER

    def refuse(mask: np.ndarray, message: str) -> None:
        """Refuse the first person the mask flags; ``{who}`` and ``{boss}`` name them and their boss."""
        if mask.any():
            i = int(np.argmax(mask))
            text = message.format(who=repr(ids[i]), boss=repr(names[i]), role=ROLE_NAMES[Role(role_code[i])])
            raise InputError(src, f"line {lines[i]}: manager", text)

    refuse(staff & (names == ""), "{role} person {who} needs a manager")
    refuse((names != "") & (boss < 0), "unknown person id {boss}")
    themself = boss == np.arange(n)
    refuse(themself & partner, "{who} names themself; allowed: the sales rep who serves the partner")
    refuse(themself & staff, "{who} names themself; allowed: the id of their manager")
    refuse(themself, "{who} names themself; allowed: the id of another manager, or empty at the top")
    boss_role = np.where(boss >= 0, role_code[boss], -1)
    not_sales = partner & (boss >= 0) & (boss_role != Role.SALES)
    refuse(not_sales, "a partner is served by a sales rep; {boss} is not in sales")
    allowed = "; allowed: the id of a manager"
    refuse(~partner & (boss_role == Role.PARTNER), "{boss} is not a manager (a partner manages no one)" + allowed)
    refuse(~partner & (boss >= 0) & (boss_role != Role.MANAGER), "{boss} is not a manager" + allowed)
    cycle = _manager_cycle(np.where(partner, -1, boss))
    if cycle is not None:
        first = min(cycle)
        start = cycle.index(first)
        chain = [ids[i] for i in cycle[start:] + cycle[:start] + [first]]
        raise InputError(
            src,
            f"line {lines[first]}: manager",
            f"managers form a cycle ({' reports to '.join(repr(c) for c in chain)}); "
            "allowed: a chain of managers that ends at someone with no manager",
        )
    return boss


def _manager_cycle(boss: np.ndarray) -> list[int] | None:
    """The positions on one cycle of ``boss`` links (in chain order), or None if every chain ends.

    Follows every chain len(boss) steps at once by pointer doubling: a person still linked
    after that many steps is on a cycle or leads into one, and where they got to is on it.
    """
    reach, steps = boss.copy(), 1
    while steps < len(boss):
        reach = np.where(reach >= 0, reach[np.maximum(reach, 0)], -1)
        steps *= 2
    stuck = np.flatnonzero(reach >= 0)
    if len(stuck) == 0:
        return None
    start = int(reach[stuck[0]])
    cycle, step = [start], int(boss[start])
    while step != start:
        cycle.append(step)
        step = int(boss[step])
    return cycle


def import_limit_bytes() -> int:
    """The largest file an import reads: DEFAULT_IMPORT_LIMIT_MB unless CRMSIM_MAX_IMPORT_MB says otherwise."""
    raw = os.environ.get(IMPORT_LIMIT_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_IMPORT_LIMIT_MB * MEGABYTE
    try:
        megabytes = float(raw)
    except ValueError:
        megabytes = math.nan
    if not (0 < megabytes <= MAX_IMPORT_LIMIT_MB):  # (nan fails both)
        raise InputError(
            IMPORT_LIMIT_VARIABLE,
            None,
            f"got {raw!r}; allowed: a number of megabytes > 0 and <= {MAX_IMPORT_LIMIT_MB:,} "
            f"(default {DEFAULT_IMPORT_LIMIT_MB})",
        )
    return int(megabytes * MEGABYTE)


def too_big_to_import(name: str, limit: int) -> InputError:
    return InputError(
        name,
        None,
        f"larger than the import limit of {limit / MEGABYTE:g} MB; "
        f"allowed: a smaller file, or raise the limit with {IMPORT_LIMIT_VARIABLE}=<megabytes>",
    )


def _read_csv(path, required: list[str], optional: list[str], limit: int) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows of a CSV file (blank lines skipped) and, per row, its line in the file."""
    data = read_bounded(path, limit, allowed="a CSV file", too_big=too_big_to_import)
    header = ",".join(required) + "".join(f"[,{c}]" for c in optional)
    if not data.strip():
        raise InputError(str(path), "line 1", f"the file is empty; allowed: a header line {header} and rows")
    try:
        # Read without a header, so a row longer than the header is an error rather than an
        # index column; blank lines are kept and dropped below, so row positions map to file
        # lines; only an empty field is missing ("NA" is North America, "None" a name).
        frame = pd.read_csv(
            io.BytesIO(data),
            header=None,
            dtype=str,
            skipinitialspace=True,
            skip_blank_lines=False,
            keep_default_na=False,
            na_values=[""],
        )
    except UnicodeDecodeError:
        raise InputError(str(path), None, "not UTF-8 text; allowed: a CSV file saved as UTF-8") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        message = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise InputError(str(path), None, f"not a readable CSV file: {message}") from None
    lines = np.arange(len(frame)) + 1
    blank = frame.isna().all(axis=1).to_numpy()
    frame, lines = frame[~blank], lines[~blank]
    header_line, columns = lines[0], ["" if pd.isna(c) else str(c).strip().lower() for c in frame.iloc[0]]
    frame, lines = frame.iloc[1:].reset_index(drop=True), lines[1:]
    frame.columns = columns
    doubled = pd.Index(columns).duplicated()
    if doubled.any():
        column = columns[int(np.argmax(doubled))]
        raise InputError(str(path), f"line {header_line}: {column}", "column given twice; allowed: each column once")
    missing = [c for c in required if c not in columns]
    if missing:
        raise InputError(
            str(path), missing[0], f"missing column; required: {', '.join(required)}; optional: {', '.join(optional)}"
        )
    unknown = [c for c in columns if c not in required + optional]
    if unknown:
        raise InputError(
            str(path), unknown[0] or f"line {header_line}", f"unknown column; allowed: {', '.join(required + optional)}"
        )
    if frame.empty:
        raise InputError(
            str(path), f"line {header_line + 1}", f"no rows after the header; allowed: a header line {header} and rows"
        )
    for column in required:
        empty = frame[column].isna() | (frame[column].str.strip() == "")
        if empty.any():
            raise InputError(str(path), f"line {lines[empty.idxmax()]}: {column}", "must not be empty")
    return frame, lines

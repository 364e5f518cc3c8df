"""Several organisations run as one: the batch dimension of the model, and the only place it lives.

A sweep or a replication runs thousands of small organisations. Each week of each of them is
about 1,900 function calls (Python, numpy and scipy) of a few microseconds, so a small run costs
its calls, not its arithmetic. A batch puts the organisations of one scenario (one per seed) side by side as
*blocks* of one population: their people are rows of the same arrays, their networks blocks of
one sparse matrix (no tie crosses two organisations), and each numpy call serves them all.

What belongs to one organisation is kept per block:
- its stocks (data quality, commitment, ...) are arrays with one value per block, and a
  person reads their own organisation's value through ``Blocks.per_person``;
- sums and means over people are taken per block (``total``, ``mean``, ``count``);
- its random numbers come from its own streams, drawn in its own order (``draw``), so a run
  draws the same numbers alone or in a batch.

Rows are ordered by role first and by block second (all organisations' sales reps, then all
their service staff, ...), so each role is still one contiguous slice and a role's rule still
runs on views; within a block, rows keep the order they have in the organisation alone. Sums
per block are sequential in that order, so a run's results are identical, bit for bit, alone
or in a batch of any size (tested in ``tests/core/test_batch.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from sim.core.organisation import Organisation
from sim.core.state import Role


@dataclass(frozen=True)
class Blocks:
    """Which organisation each row belongs to, and each organisation's rows."""

    of_row: np.ndarray  # intp: each row's block
    rows: tuple[np.ndarray, ...]  # each block's rows in the batch, in the organisation's own order
    membership: sparse.csr_matrix  # (blocks, rows) ones: a product with it sums each block's rows in order
    stretches: tuple[tuple[tuple[int, int, int], ...], ...]  # per block: (first, end, first row in the
    # batch) of each stretch of its rows that are consecutive in the batch too (one per role)
    alike: bool  # whether every block has the same stretches, one after another (organisations of one size)

    @classmethod
    def of(cls, of_row: np.ndarray, rows: tuple[np.ndarray, ...]) -> Blocks:
        n = len(of_row)
        membership = sparse.csr_matrix((np.ones(n), (of_row, np.arange(n))), shape=(len(rows), n))
        membership.sort_indices()
        stretches = tuple(_stretches(r) for r in rows)
        return cls(of_row=of_row, rows=rows, membership=membership, stretches=stretches, alike=_alike(stretches))

    @property
    def count(self) -> int:
        return len(self.rows)

    def local_row(self, row: int) -> int:
        """A row's number in its own organisation (as it is alone): how its people are named."""
        return int(np.searchsorted(self.rows[self.of_row[row]], row))

    def per_person(self, values: np.ndarray) -> np.ndarray:
        """Each row's value of its own organisation's ``values`` (one per block): the stocks a person reads."""
        if self.count == 1:
            return np.full(len(self.of_row), values[0])  # the same values, quicker than gathering them
        return values[self.of_row]

    def total(self, values: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Per block, the sum of ``values`` over all rows, or of values given for the rows ``rows``
        selects (indices or a mask)."""
        if rows is None:
            return self.membership @ values
        return np.bincount(self.of_row[rows], weights=values, minlength=self.count)

    def count_of(self, where: np.ndarray) -> np.ndarray:
        """Per block, how many rows ``where`` (a boolean mask over all rows) selects."""
        if self.count == 1:  # an exact count either way; counting is quicker than a product alone
            return np.array([float(np.count_nonzero(where))])
        return self.membership @ where.astype(float)

    def mean(
        self, values: np.ndarray, where: np.ndarray, empty: float = 0.0, count: np.ndarray | None = None
    ) -> np.ndarray:
        """Per block, the mean of (finite) ``values`` over the rows ``where`` selects (``empty`` where
        none); ``count`` is how many rows it selects per block, when that is known already."""
        n = self.count_of(where) if count is None else count
        total = self.membership @ (values * where)
        return np.divide(total, n, out=np.full(self.count, float(empty)), where=n > 0)

    def any(self, where: np.ndarray) -> np.ndarray:
        """Per block, whether ``where`` selects any of its rows."""
        return self.count_of(where) > 0

    def draw(self, streams: Sequence[np.random.Generator], count: int) -> np.ndarray:
        """``count`` uniform numbers per person, each block's from its own stream: (count, people)."""
        if self.count == 1:
            return streams[0].random((count, len(self.of_row)))
        out = np.empty((count, len(self.of_row)))
        if self.alike:  # each block's numbers side by side, then each stretch of all blocks in one copy
            drawn = np.empty((self.count, count, len(self.rows[0])))
            for stream, mine in zip(streams, drawn, strict=True):
                stream.random(out=mine)
            for first, end, at in self.stretches[0]:  # a role: each block's stretch right after the one before
                size = end - first
                role = out[:, at : at + self.count * size].reshape(count, self.count, size)
                role[:] = drawn[:, :, first:end].transpose(1, 0, 2)
            return out
        for rows, stretches, stream in zip(self.rows, self.stretches, streams, strict=True):
            drawn = stream.random((count, len(rows)))
            for first, end, at in stretches:  # copied stretch by stretch: faster than scattering row by row
                out[:, at : at + end - first] = drawn[:, first:end]
        return out

    def place(self, pieces: Sequence[np.ndarray], dtype=None) -> np.ndarray:
        """One array over all rows from one array per block, each in its organisation's row order."""
        if self.count == 1:
            return np.asarray(pieces[0], dtype=dtype)
        out = np.empty(len(self.of_row), dtype=dtype if dtype is not None else np.result_type(*pieces))
        for rows, piece in zip(self.rows, pieces, strict=True):
            out[rows] = piece
        return out


def _stretches(rows: np.ndarray) -> tuple[tuple[int, int, int], ...]:
    """The stretches of an organisation's rows that are consecutive rows of the batch."""
    cuts = np.flatnonzero(np.diff(rows) != 1) + 1
    starts, ends = np.r_[0, cuts], np.r_[cuts, len(rows)]
    return tuple((int(a), int(b), int(rows[a])) for a, b in zip(starts, ends, strict=True) if b > a)


def _alike(stretches: tuple[tuple[tuple[int, int, int], ...], ...]) -> bool:
    """Whether every block's stretches are the first block's, each block's right after the one before."""
    first = stretches[0]
    return all(
        [(a, b) for a, b, _ in mine] == [(a, b) for a, b, _ in first]
        and all(at == at0 + k * (b - a) for (a, b, at), (_, _, at0) in zip(mine, first, strict=True))
        for k, mine in enumerate(stretches)
    )


def single(n: int) -> Blocks:
    """One organisation alone: every row in block 0."""
    return Blocks.of(np.zeros(n, dtype=np.intp), (np.arange(n),))


def stack(orgs: Sequence[Organisation]) -> tuple[Organisation, Blocks]:
    """The organisations as blocks of one: rows by role, then by block; departments, sites and
    managers renumbered; the networks as one block-diagonal matrix."""
    if len(orgs) == 1:
        return orgs[0], single(orgs[0].n)
    first = orgs[0]
    if any(o.departments != first.departments or len(o.site_names) != len(first.site_names) for o in orgs):
        raise ValueError("the organisations of a batch must have the same departments and sites")
    # the position of each (role, block) group: all blocks' sales reps first, then service staff, ...
    sizes = np.array([[o.role_slice(role).stop - o.role_slice(role).start for o in orgs] for role in Role])
    starts = np.concatenate([[0], np.cumsum(sizes.ravel())[:-1]]).reshape(sizes.shape)
    rows = []
    for b, org in enumerate(orgs):
        index = np.empty(org.n, dtype=np.intp)
        for role in Role:
            local = org.role_slice(role)
            index[local] = starts[role, b] + np.arange(local.stop - local.start)
        rows.append(index)
    n = int(sizes.sum())
    of_row = np.empty(n, dtype=np.intp)
    for b, index in enumerate(rows):
        of_row[index] = b
    blocks = Blocks.of(of_row, tuple(rows))

    def spread(name: str, offset: int = 0) -> np.ndarray:
        return blocks.place(
            [getattr(o, name) + b * offset for b, o in enumerate(orgs)], dtype=getattr(first, name).dtype
        )

    manager = blocks.place(
        [np.where(o.manager >= 0, rows[b][np.maximum(o.manager, 0)], -1) for b, o in enumerate(orgs)]
    )
    ties = [o.adjacency.tocoo() for o in orgs]
    adjacency = sparse.csr_matrix(
        (
            np.concatenate([t.data for t in ties]),
            (
                np.concatenate([rows[b][t.row] for b, t in enumerate(ties)]),
                np.concatenate([rows[b][t.col] for b, t in enumerate(ties)]),
            ),
        ),
        shape=(n, n),
    )
    adjacency.sort_indices()  # a person's ties in the order they have alone: sums add up the same way
    return (
        Organisation(
            role=spread("role"),
            department=spread("department", first.departments),
            site=spread("site", len(first.site_names)),
            manager=manager.astype(first.manager.dtype),
            adjacency=adjacency,
            department_names=[name for _ in orgs for name in first.department_names],
            site_names=[name for _ in orgs for name in first.site_names],
            external_id=None if first.external_id is None else blocks.place([o.external_id for o in orgs]),
        ),
        blocks,
    )

"""Oversight aversion and lead hiding: sales people do not want their pipeline visible.

Seed 001: "Sales managers prefer not to expose their leads, contact persons, and the status
of their transactions, and may try to prevent entering the complete data into the system.
Neither are sales managers enthusiastic about the level of oversight made possible by
entering data into the CRM system ... They also seek the realization of immediate profits,
whereas the benefit of the system is often felt at a later stage."

Two terms. Oversight aversion (``roles.<role>.oversight_aversion``) is a gain from selective,
incomplete entry (the ``game`` option for managers and sales reps), so their entries are
incomplete and lower data quality. Present bias (``roles.<role>.present_bias``) discounts the
share of the CRM's value that comes from the data, which arrives later, against the effort
now.

References
----------
.. [1] Lasser, E., & Mandel, Z. (n.d.). Problems and challenges in the effective
   implementation of CRM systems. Web article. Seed 001.
"""

from __future__ import annotations

import numpy as np


def lead_hiding_gain(
    oversight_aversion: np.ndarray, pressure: np.ndarray, visibility_without_push: float
) -> np.ndarray:
    """The more the organisation looks at the pipeline, the more it pays to keep leads out of it.

    A pipeline in the CRM is exposed even when nobody pushes (``visibility_without_push``);
    pressure from above means someone is looking, and adds to it.
    """
    return oversight_aversion * (visibility_without_push + pressure)


def discounted_data_value(data_value: np.ndarray, present_bias: np.ndarray) -> np.ndarray:
    """The data's value, seen by someone who wants immediate profit."""
    return data_value * (1.0 - present_bias)

"""Calibration: fit a scenario to a pilot's usage log, forecast the rest, compare what to do next."""

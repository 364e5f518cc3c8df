"""Mechanisms: each module owns one family of consequences and names the seed it models."""

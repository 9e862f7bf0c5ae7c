"""Supervision, risk assessment of major decisions."""

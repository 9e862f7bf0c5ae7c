"""Emergencies: sudden incidents reported, escalated and handled at once."""

"""Dashboards, the map, analysis and early warning, briefings."""

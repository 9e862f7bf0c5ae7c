"""Notices: every user's inbox of new work, warnings, cards and instructions."""

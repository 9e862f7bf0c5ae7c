"""Mediation: the mediator directory, choosing a mediator, sessions, agreements, judicial confirmation, follow-up visits and linkage referrals."""

"""Triage: explained classification of Chinese text, routing to the lowest capable level,
related-case finding and escalation-risk scoring."""

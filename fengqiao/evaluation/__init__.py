"""Assessments, the three zeros and evaluation."""

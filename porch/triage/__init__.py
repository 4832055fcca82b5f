"""Triage: the intent, sentiment and urgency of a short social text."""

"""Reminders: the sweep, escalation, snooze and the housekeeping jobs."""

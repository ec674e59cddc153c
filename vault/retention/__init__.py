"""Retention (DOMAIN R36): the schedule of periods per category and class, and the run that shreds what expired."""

from vault.retention._schedule import RetentionSchedule, expires_on, period

__all__ = ["RetentionSchedule", "expires_on", "period"]

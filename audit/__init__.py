"""Audit log and change-request store (SQLite through sqlite-utils; the only code importing it)."""

"""Audit service: Announcement register with timestamped receipts, replay verdicts, the hash-chained audit log and oversight reports."""

"""Maintenance of the database: backups, restores and the retention of personal data."""

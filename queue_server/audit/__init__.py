"""The audit trail (R16): who did what and when, append-only."""

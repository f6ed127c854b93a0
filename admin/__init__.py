"""Manager pages: dashboard, reports, configuration (issue 8)."""

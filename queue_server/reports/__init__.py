"""Daily report roll-ups: the tables only (admin/reports builds, keeps and reads them)."""

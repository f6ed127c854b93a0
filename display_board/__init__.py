"""Display boards: board page assets, announcer, LED window displays (issue 4)."""

"""Reports of the 15-minute rule: SQL queries, exports, charts and the staffing planner."""

"""Reports of the 15-minute rule: SQL queries, exports, charts and the staffing planner.

`scope` (period, offices, offsets) and `tables` (Column, Table, Report) underlie every
family: `counts`, `waits` (on the wait `segments`), `breaches`, `cases` and `planner`;
`service` puts the report together, `presenters` shapes it for `views`, `exports` and
`charts`.
"""

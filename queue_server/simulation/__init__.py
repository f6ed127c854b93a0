"""The office simulator: simulated days of arrivals and clerks driving the real services.

`simulate(db=…, config=…, seed=…, start=…, days=…)` runs days on any database and returns
each day's waits; `load_config` reads an office from TOML or JSON; `mfc-queue simulate`
is the command line. See docs/simulation.md.
"""

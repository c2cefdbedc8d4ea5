"""`make bench`: the intake's speed, measured against raw PostgreSQL in the same process.

Run `python -m bench.run --help`. The benchmark works in a database of its own (r2p_bench by
default, created and migrated on the configured server), never in the application's.
"""

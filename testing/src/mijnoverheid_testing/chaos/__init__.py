"""The chaos run: the whole platform under a seeded schedule of faults, audited from outside
(`make chaos`, `python -m mijnoverheid_testing.chaos --help`)."""

"""A private test CA shaped like PKIoverheid, for local use and tests (never production)."""

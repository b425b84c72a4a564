"""Test support: the real stack, isolated vhosts, service processes, SMTP server, organisations.

Used by the pytest plugin `mijnoverheid_testing.plugin`; needs the dev dependencies.
"""

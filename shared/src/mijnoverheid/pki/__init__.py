"""Certificates: PKIoverheid names as the broker sees them, and a private test CA."""

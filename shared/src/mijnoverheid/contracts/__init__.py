"""The public contract: the CloudEvents envelope and each service's events (no logic)."""

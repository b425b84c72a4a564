"""Contracts and common plumbing shared by the MijnOverheid services."""

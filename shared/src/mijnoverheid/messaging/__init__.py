"""Broker plumbing: topology, confirmed publishing and the consumer wrapper."""

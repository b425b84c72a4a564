"""`make bench`: throughput and latency of each service against the raw broker, in one run."""

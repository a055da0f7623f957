"""The demo tracker and the synthetic X12 generators behind it (tests and benchmarks use them)."""

"""Pre-submission claim check: learned denial rates and biller edits, each flag explained."""

"""Denial KPIs by HFMA's definitions: measures, the tables managers read, and the report sheets."""

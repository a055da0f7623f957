"""Package data: CARC/RARC code lists in our own words, payer defaults and rules."""

"""AHP weights (SPEC §4): fuzzy complementary matrices with Lü's formula, classic Saaty AHP, the criteria hierarchy."""

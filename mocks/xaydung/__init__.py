"""Mocks of the two Bộ Xây dựng systems (permits and planning information)."""

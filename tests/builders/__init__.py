"""Shared builders of test data, one module per area."""

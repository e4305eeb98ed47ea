"""Shared test fixtures. Domain fixtures live in tests/<domain>/conftest.py."""

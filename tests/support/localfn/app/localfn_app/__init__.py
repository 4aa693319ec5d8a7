"""Fixture application functions for the local runtime's tests."""

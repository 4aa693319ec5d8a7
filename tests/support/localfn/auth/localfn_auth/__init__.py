"""Fixture TOKEN authorizer: the token's text says what to answer."""

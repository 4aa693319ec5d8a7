"""The Lambda TOKEN authorizer of the REST API."""

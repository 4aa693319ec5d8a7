"""Partner contracts: the registry API, the OpenAPI → tools compiler, storage."""

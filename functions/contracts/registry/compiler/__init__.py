"""OpenAPI 3.0/3.1 → partner tools: load the document, resolve `$ref`s, convert schemas, name tools."""

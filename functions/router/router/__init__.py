"""The router: tool catalog, direct tool calls, operations, health and the OpenAPI document."""

from __future__ import annotations

from pydantic import Field

from cockpit.settings import EnvSettings


class RouterSettings(EnvSettings):
    """The router's own settings; dispatch reads cockpit.dispatch.wiring.DispatchSettings."""

    operations_table: str = Field(alias="OPERATIONS_TABLE", min_length=1)
    # {"key": "..."}: what MCP requestState is sealed under (a key derived from it)
    mcp_state_secret_arn: str = Field(alias="MCP_STATE_SECRET_ARN", min_length=1)

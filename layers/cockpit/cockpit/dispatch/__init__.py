"""Dispatch: validate a tool call, apply policy (role, confirmation, idempotency), call the target.

One path for every caller: the router's direct tool calls and the assistant's model tool calls.
"""

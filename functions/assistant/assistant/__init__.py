"""The assistant: sessions and conversation turns, a hosted model (or the offline planner) calling tools."""

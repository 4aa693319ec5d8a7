"""The Docker-free local runtime and developer commands (not used by deployed functions)."""

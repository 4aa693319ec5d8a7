"""Developer and CI tooling (never deployed)."""

"""Tools: the model of a tool, the catalog, and the four wire formats."""

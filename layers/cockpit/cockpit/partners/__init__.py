"""Partner tools: what a registered contract compiles to, and how the router reads and calls them."""

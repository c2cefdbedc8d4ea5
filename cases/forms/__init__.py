"""Forms of the intake pages, one module per area."""

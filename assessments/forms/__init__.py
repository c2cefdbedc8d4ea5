"""Forms of the assessment pages, one module per area."""

"""Building blocks with no business meaning of their own. Imports no domain."""

"""Excel ledgers: import and export in the layouts offices use."""

"""The demo county: its units, accounts and history, and the one-process `fengqiao demo` server."""

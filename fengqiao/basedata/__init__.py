"""Base data registers (GB/T 31000-2015, 9+X), special groups and their care."""

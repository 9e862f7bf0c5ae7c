"""Legal and psychological services."""

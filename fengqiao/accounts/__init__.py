"""Units, users, roles, API tokens and the one rule of what each user may see."""

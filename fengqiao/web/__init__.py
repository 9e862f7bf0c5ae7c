"""The staff pages' frame: login, navigation by role, the home page of each role."""

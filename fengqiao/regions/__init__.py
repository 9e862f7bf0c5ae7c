"""The region and grid tree: statistical division codes, polygons and point-in-grid lookup."""

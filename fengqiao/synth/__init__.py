"""A deterministic synthetic province for scale work: regions and grid polygons, units, and
millions of cases with realistic distributions, loaded by bulk paths (COPY on PostgreSQL)."""

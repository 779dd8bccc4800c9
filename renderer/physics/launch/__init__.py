"""Launch vehicles: the catalogue, the ascent, ballistic spent stages and what they emit."""

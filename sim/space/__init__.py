"""Geography: buildings, grids, communities, streets, districts and the city."""

"""The seam to the outside: one small interface, implemented once per network."""

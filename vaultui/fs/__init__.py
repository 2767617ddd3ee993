"""The vault as an fsspec filesystem over any fsspec location."""

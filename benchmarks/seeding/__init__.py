"""`make seed`: a store filled the way production data looks (see seed.py)."""

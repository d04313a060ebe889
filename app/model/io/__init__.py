"""Plumbing every domain uses: where the data are, files written whole, documents read with
bounds and a line for every problem."""

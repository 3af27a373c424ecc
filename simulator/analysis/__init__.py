"""Analyses built on ensembles: compare, sweep, sensitivity, score; each returns a typed result."""

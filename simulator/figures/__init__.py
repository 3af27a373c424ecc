"""Matplotlib figures drawn from results (never from the model)."""

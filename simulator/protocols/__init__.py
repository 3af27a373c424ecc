"""Numerical cores of bargaining theories (expected utility, Nash, compromise), batched over worlds."""

"""Numerical cores of bargaining theories (expected utility, Nash bargaining, compromise), batched over worlds."""

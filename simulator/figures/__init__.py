"""Matplotlib figures drawn from results (never from the model).

Every label may hold text a user wrote (scenario and party names), so matplotlib's math text is
off (:mod:`simulator.figures.common`, which every drawing module imports): ``"Budget $5 vs $10"``
is drawn as written, never parsed as a formula. This package's ``__init__`` imports nothing, so
reading :mod:`simulator.figures.names` (as a run without figures does) never loads matplotlib.
"""

"""Matplotlib figures drawn from results (never from the model).

Importing this package changes no matplotlib setting: negsim's style (math text off, since labels
hold text users wrote) applies only while negsim draws (:func:`simulator.figures.common.styled`).
"""

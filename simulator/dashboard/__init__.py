"""``negsim dashboard``: a browser app over the same Python API the CLI and notebooks use.

A thin layer, like ``cli/``: :mod:`~simulator.dashboard.session` opens scenarios, runs forecasts,
what-ifs (``compare_scenarios`` on common random numbers), sensitivity and timelines, and knows
the ``negsim`` command that reproduces each; :mod:`~simulator.dashboard.charts` draws hoverable
SVG charts from their documents; :mod:`~simulator.dashboard.app` is the Solara page (state per
browser tab, work off the UI thread); :mod:`~simulator.dashboard.server` starts it on loopback.
Only the CLI imports this package, and only when ``negsim dashboard`` runs.
"""

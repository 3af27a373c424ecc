"""The figures negsim draws into a run's ``figures/`` folder, named once.

The run figures (:mod:`simulator.figures.run`), a model average's protocols figure, a campaign's
(:mod:`simulator.figures.campaign`) and ``negsim score``'s reliability figure. The engine never
knows them: :mod:`simulator.api` passes :data:`FIGURE_FILES` to the run folder, which removes them
on ``--overwrite``, and draws them with the run folder's ``on_finished`` hook.
"""

from __future__ import annotations

#: The run folder's figures folder.
FOLDER = "figures"
LEVELS = "levels"
EVENTS = "events"
OUTCOMES = "outcomes"
POSITIONS = "positions"
THREATS = "threats"
AGREEMENT = "agreement"
PROTOCOLS = "protocols"
CAMPAIGN = "campaign"
MEETINGS = "meetings"
RELIABILITY = "reliability"

#: Drawn for every run, in this order (each only where the run has its subject).
RUN_FIGURES = (LEVELS, EVENTS, OUTCOMES, AGREEMENT, POSITIONS, THREATS)
#: Drawn for a campaign run.
CAMPAIGN_FIGURES = (CAMPAIGN, MEETINGS)
#: Every figure negsim may draw into a run's folder.
NEGSIM_FIGURES = (*RUN_FIGURES, PROTOCOLS, *CAMPAIGN_FIGURES, RELIABILITY)
#: The file formats a figure may be written in (``--format``; PNG by default).
FORMATS = ("png", "svg", "pdf")
#: Their files in every format, relative to the run folder (``--overwrite`` removes them all).
FIGURE_FILES = tuple(f"{FOLDER}/{name}.{ext}" for name in NEGSIM_FIGURES for ext in FORMATS)


def png(name: str) -> str:
    """A figure's file, relative to the run folder: ``figures/<name>.png``."""
    return f"{FOLDER}/{name}.png"

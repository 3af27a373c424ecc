"""Running ensembles: chunks, seeds, executors, tallies and the run folder."""

"""The Mesa model of one meeting: the parties, their values, the talks protocols and the records."""

"""The EU Council's voting numbers (Nice weights, Lisbon double majority) and the DEU rule mapping.

Data, not behaviour: the scenario importer writes these into a scenario's ``protocol.rule`` and
the model's :mod:`simulator.model.rules` applies them. Sources: ``docs/model.md``, Decision rules.
"""

from __future__ import annotations

from collections.abc import Mapping

#: Council vote weights under the Treaty of Nice (EU-27, Art. 3 of the Protocol on transitional
#: provisions, in force 1 Jan 2007) plus Croatia (7, Accession Treaty 2012), by DEU actor code.
#: Qualified majority: 255 of 345 (260 of 352 with Croatia), a majority of the states, and, on
#: request, 62% of the population.
NICE_WEIGHTS: dict[str, float] = {
    "de": 29, "fr": 29, "it": 29, "uk": 29, "es": 27, "pl": 27, "ro": 14, "nl": 13,
    "be": 12, "cz": 12, "el": 12, "hu": 12, "pt": 12, "at": 10, "bu": 10, "se": 10,
    "dk": 7, "ie": 7, "lt": 7, "sk": 7, "fi": 7, "cr": 7,
    "cy": 4, "ee": 4, "lv": 4, "lu": 4, "si": 4, "mt": 3,
}  # fmt: skip
#: The Nice threshold as a share of the EU-27 total (255 / 345 = 73.9%).
NICE_THRESHOLD = 255 / 345
#: Population in millions (Council Decision 2014/937/EU figures for 2015, rounded), for the
#: double majority of Art. 16(4) TEU in force from 1 November 2014.
POPULATION_2015: dict[str, float] = {
    "de": 80.8, "fr": 66.4, "uk": 64.3, "it": 60.8, "es": 46.4, "pl": 38.0, "ro": 19.9,
    "nl": 16.9, "be": 11.3, "el": 10.9, "cz": 10.5, "pt": 10.4, "hu": 9.8, "se": 9.7,
    "at": 8.5, "bu": 7.2, "dk": 5.7, "fi": 5.5, "sk": 5.4, "ie": 4.6, "cr": 4.2, "lt": 2.9,
    "si": 2.1, "lv": 2.0, "ee": 1.3, "cy": 0.85, "lu": 0.56, "mt": 0.43,
}  # fmt: skip
#: Double majority (Art. 16(4) TEU, Art. 238(3) TFEU): 55% of the states, 65% of the population;
#: a blocking minority needs at least four states.
DOUBLE_MAJORITY = (0.55, 0.65, 4)


def council_rule(states: list[str], voting: str, year: int | None) -> tuple[str, Mapping[str, object]]:
    """The Council's rule for a DEU issue: ``(vote, parameters)`` for the scenario's ``Body``.

    ``Unan`` gives unanimity; ``QMV`` gives the Nice weights and threshold for acts before
    November 2014 (and, as an approximation, for the Amsterdam period before it) and the double
    majority afterwards. Shares apply to the states with a position on the issue.
    """
    if voting == "Unan":
        return "unanimity", {}
    if year is not None and year < 2015:
        return "qualified_majority", {
            "weights": {s: NICE_WEIGHTS.get(s, 1.0) for s in states},
            "threshold": round(NICE_THRESHOLD, 4),
            "count_threshold": 0.5,
        }
    return "qualified_majority", {
        "population": {s: POPULATION_2015.get(s, 1.0) for s in states},
        "count_threshold": DOUBLE_MAJORITY[0],
        "population_threshold": DOUBLE_MAJORITY[1],
        "blocking_minority": DOUBLE_MAJORITY[2],
    }

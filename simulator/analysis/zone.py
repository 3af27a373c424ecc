"""Is there a deal to find? The share of the prior in which a zone of agreement exists.

Used by ``negsim validate`` to warn (not fail) when a scenario's outside options leave no package
worth more to both principals than no deal in most worlds: failure would then follow from the
numbers chosen, not from anything the sources state (red lines, mandates, noise).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.model.model import NegotiationModel
from simulator.scenario.schema import Scenario

#: Below this share of worlds with a zone (outside options only), ``validate`` warns.
WARN_BELOW = 0.5


@dataclass(frozen=True)
class ZoneReport:
    """Shares of prior draws with a zone of agreement.

    Attributes:
        worlds: How many draws were checked.
        outside_options: Some package (red lines ignored) beats both principals' outside options.
        with_red_lines: Per issue, a text within both red lines beats both outside options.
    """

    worlds: int
    outside_options: float
    with_red_lines: dict[str, float]

    @property
    def warning(self) -> str | None:
        """A one-line warning when outside options leave no deal in most of the prior."""
        if self.outside_options >= WARN_BELOW:
            return None
        none = 1.0 - self.outside_options
        return (
            f"warning: in {none:.0%} of {self.worlds:,} draws from the prior, no package is worth "
            "more to both principals than their outside options (red lines aside): failure "
            "then follows from the outside options alone; check they reflect the cost of no deal"
        )


def zone_report(scenario: Scenario, *, worlds: int = 2000, seed: int = 0) -> ZoneReport | None:
    """Check the prior, or None when the scenario's protocol does not define a zone of agreement."""
    model = NegotiationModel(scenario, worlds=worlds, rng=seed)
    bare = model.protocol.zone_of_agreement(model, red_lines=False)
    full = model.protocol.zone_of_agreement(model, red_lines=True)
    if bare is None or full is None:
        return None
    per_issue = {iid: float(full[:, k].mean()) for k, iid in enumerate(model.issue_ids)}
    return ZoneReport(worlds, float(np.any(bare, axis=1).mean()), per_issue)

"""Matplotlib figures drawn from results (never from the model).

Every label may hold text a user wrote (scenario and party names), so matplotlib's math text is
off: ``"Budget $5 vs $10"`` is drawn as written, never parsed as a formula.
"""

import matplotlib

matplotlib.rcParams["text.parse_math"] = False

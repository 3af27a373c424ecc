"""Uncertain parameters: a value or a distribution, and where it came from.

Every number in a scenario that a reader could question is a :class:`Param`. It is either fixed
(``value``) or drawn per world from a distribution (``uniform``, ``triangular``, ``beta``,
``normal`` truncated to the parameter's range), and it carries its provenance: one or more
``source`` quotes from the seed articles, an ``assumption`` stating the modelling judgement, or
both (a quote that motivates the number plus the judgement that turned it into a number).

Distributions are sampled by inverse CDF from uniform quantiles. That one choice gives common
random numbers for free (world *i* of two scenarios uses the same quantile for the same parameter)
and lets SALib's samples (which are quantiles) drive the same code path.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    import numpy as np

#: Keys of a Param that describe its distribution: exactly one of them is given.
DIST_KEYS = ("value", "uniform", "triangular", "beta", "normal")
#: Keys of a Param that describe its provenance: at least one of them is given.
PROVENANCE_KEYS = ("source", "assumption")


#: A number as written: an int or a float, never a boolean or a string ("0.5" is refused).
Num = Annotated[float, Field(strict=True)]


class Strict(BaseModel):
    """Base for every scenario record: unknown keys are errors, records are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, allow_inf_nan=False)


class Source(Strict):
    """Where a number comes from: a quote from a seed article, or a cell of a dataset file.

    A quote (``{seed, quote}``) is checked to occur in the article. A dataset citation
    (``{dataset: deu3, record: d00032i1, field: pcom}``) names a dataset declared in the
    scenario's ``datasets:``; the loader checks that the cell holds the parameter's value times
    ``scale`` (``scale: 100`` for a 0-100 column cited by a 0-1 parameter), so a number copied
    wrongly fails at its own line and column, exactly like a misquote.
    """

    seed: str | None = Field(
        default=None, description='Seed id: a file stem in seeds/ or its prefix, e.g. "002".'
    )
    quote: str | None = Field(default=None, min_length=8, description="Verbatim text from the article.")
    dataset: str | None = Field(default=None, description="A dataset id declared under datasets:.")
    record: str | None = Field(default=None, description="The dataset's record (row) id.")
    field: str | None = Field(default=None, description="The dataset's column name.")
    scale: float = Field(default=1.0, gt=0, description="The cell holds value x scale.")

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        quote = self.seed is not None or self.quote is not None
        data = self.dataset is not None or self.record is not None or self.field is not None
        if quote == data:
            raise ValueError("a source is either {seed, quote} or {dataset, record, field}")
        if quote and (self.seed is None or self.quote is None):
            raise ValueError("a quoted source needs both seed and quote")
        if data and (self.dataset is None or self.record is None or self.field is None):
            raise ValueError("a dataset source needs dataset, record and field")
        if quote and self.scale != 1.0:
            raise ValueError("scale applies to dataset sources only")
        return self

    @property
    def is_dataset(self) -> bool:
        """True for a dataset citation, False for a quote."""
        return self.dataset is not None

    def cite(self) -> str:
        """Short human text: ``[002] "quote"`` or ``deu3 d00032i1.pcom``."""
        if self.is_dataset:
            scaled = "" if self.scale == 1.0 else f" (/ {self.scale:g})"
            return f"{self.dataset} {self.record}.{self.field}{scaled}"
        return f'[{self.seed}] "{self.quote}"'


class Beta(Strict):
    """Beta(a, b) distribution stretched to [low, high]."""

    a: float = Field(gt=0, strict=True)
    b: float = Field(gt=0, strict=True)
    low: float = Field(default=0.0, strict=True)
    high: float = Field(default=1.0, strict=True)


class Normal(Strict):
    """Normal(mean, sd), truncated to the parameter's allowed range."""

    mean: float = Field(strict=True)
    sd: float = Field(gt=0, strict=True)


class Param(Strict):
    """A numeric parameter: fixed or uncertain, with its source quote(s) and/or assumption.

    Example (YAML)::

        legitimacy_cost:
          triangular: [0.3, 0.6, 0.9]
          source: {seed: "001", quote: "the Kremlin has repeatedly dismissed the Ukrainian
                   president as illegitimate"}
          assumption: "How much this weighs against attending is a judgement."
    """

    value: Num | None = None
    uniform: tuple[Num, Num] | None = None
    triangular: tuple[Num, Num, Num] | None = None
    beta: Beta | None = None
    normal: Normal | None = None
    source: Source | list[Source] | None = None
    assumption: str | None = Field(default=None, min_length=3)
    as_of: Param | None = Field(
        default=None,
        description="The prior used instead when a forecast is made (--as-of) before a source was published.",
    )

    @model_validator(mode="after")
    def _one_distribution_and_provenance(self) -> Self:
        given = [k for k in DIST_KEYS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"give exactly one of {', '.join(DIST_KEYS)} (found {', '.join(given) or 'none'})"
            )
        if self.source is None and self.assumption is None:
            raise ValueError(
                "say where this number comes from: add source: {seed, quote} or assumption: <reason>"
            )
        if self.uniform is not None and not self.uniform[0] < self.uniform[1]:
            raise ValueError("uniform: [low, high] needs low < high")
        if self.triangular is not None:
            lo, mode, hi = self.triangular
            if not (lo <= mode <= hi and lo < hi):
                raise ValueError("triangular: [low, mode, high] needs low <= mode <= high, low < high")
        if self.beta is not None and not self.beta.low < self.beta.high:
            raise ValueError("beta: needs low < high")
        if self.as_of is not None and (self.as_of.assumption is None or self.as_of.as_of is not None):
            raise ValueError("as_of: a fallback prior states its assumption (and has no as_of of its own)")
        return self

    @property
    def sources(self) -> list[Source]:
        """The sources as a list (empty when the parameter is an assumption only)."""
        if self.source is None:
            return []
        return self.source if isinstance(self.source, list) else [self.source]

    @property
    def uncertain(self) -> bool:
        """True when the parameter is drawn per world rather than fixed."""
        return self.value is None

    def support(self) -> tuple[float, float]:
        """Smallest and largest value the parameter can take (before range truncation)."""
        if self.value is not None:
            return (self.value, self.value)
        if self.uniform is not None:
            return self.uniform
        if self.triangular is not None:
            return (self.triangular[0], self.triangular[2])
        if self.beta is not None:
            return (self.beta.low, self.beta.high)
        assert self.normal is not None
        return (-math.inf, math.inf)

    def describe(self) -> str:
        """Short human text of the value or distribution, e.g. ``triangular(0.3, 0.6, 0.9)``."""
        if self.value is not None:
            return f"{self.value:g}"
        if self.uniform is not None:
            return "uniform({:g}, {:g})".format(*self.uniform)
        if self.triangular is not None:
            return "triangular({:g}, {:g}, {:g})".format(*self.triangular)
        if self.beta is not None:
            b = self.beta
            return f"beta(a={b.a:g}, b={b.b:g}) on [{b.low:g}, {b.high:g}]"
        assert self.normal is not None
        return f"normal(mean={self.normal.mean:g}, sd={self.normal.sd:g}), truncated"

    def mean(self, lo: float = -math.inf, hi: float = math.inf) -> float:
        """Mean of the distribution (truncated to [lo, hi] for the normal)."""
        import numpy as np  # here, not at the top: `negsim validate` and `explain` never need it

        return float(self.ppf(np.linspace(0.0005, 0.9995, 1000), lo, hi).mean())

    def ppf(self, q: np.ndarray, lo: float = -math.inf, hi: float = math.inf) -> np.ndarray:
        """Map quantiles ``q`` in (0, 1) to values (inverse CDF), truncated to ``[lo, hi]``."""
        import numpy as np

        q = np.asarray(q, dtype=float)
        if self.value is not None:
            return np.full(q.shape, self.value)
        if self.uniform is not None:
            a, b = self.uniform
            out = a + (b - a) * q
        elif self.triangular is not None:
            # Closed-form inverse CDF (scipy's generic ppf is ten times slower on large batches).
            a, m, b = self.triangular
            c = (m - a) / (b - a)
            out = np.where(
                q < c,
                a + np.sqrt(q * (b - a) * (m - a)),
                b - np.sqrt((1 - q) * (b - a) * (b - m)),
            )
        elif self.beta is not None:
            from scipy import stats  # here, not at the top: `negsim validate` never needs SciPy

            bt = self.beta
            out = bt.low + (bt.high - bt.low) * stats.beta.ppf(q, bt.a, bt.b)
        else:
            from scipy import stats

            assert self.normal is not None
            mu, sd = self.normal.mean, self.normal.sd
            a, b = (lo - mu) / sd, (hi - mu) / sd
            out = stats.truncnorm.ppf(q, a, b, loc=mu, scale=sd)
        return np.clip(out, lo, hi)


#: Widest normal, in range widths, a bounded parameter may have.
MAX_SD_PER_RANGE = 10.0


def ranged(lo: float, hi: float) -> AfterValidator:
    """A validator that keeps a Param's whole support inside ``[lo, hi]`` (normals are truncated)."""

    def check(p: Param) -> Param:
        s_lo, s_hi = p.support()
        if p.normal is not None:
            if not lo <= p.normal.mean <= hi:
                raise ValueError(f"normal mean must lie in [{lo:g}, {hi:g}]")
            # Truncated to [lo, hi], a far wider normal is a uniform (and, for a huge sd, draws
            # only its mean, as the truncation underflows): bound it by the range.
            if math.isfinite(hi - lo) and p.normal.sd > MAX_SD_PER_RANGE * (hi - lo):
                raise ValueError(
                    f"normal sd must be at most {MAX_SD_PER_RANGE:g} × the range width "
                    f"({MAX_SD_PER_RANGE * (hi - lo):g} for [{lo:g}, {hi:g}]); for a flat spread use uniform"
                )
        elif s_lo < lo or s_hi > hi:
            raise ValueError(f"values must lie in [{lo:g}, {hi:g}] (got {p.describe()})")
        if p.as_of is not None:  # the fallback is used in its place: the same range holds
            try:
                check(p.as_of)
            except ValueError as exc:
                raise ValueError(f"as_of: {exc}") from None
        return p

    check.bounds = (lo, hi)  # type: ignore[attr-defined]
    return AfterValidator(check)


def bounds_of(metadata: list[object]) -> tuple[float, float]:
    """The ``[lo, hi]`` range attached by :func:`ranged` in a field's metadata."""
    for m in metadata:
        b = getattr(getattr(m, "func", None), "bounds", None)
        if b is not None:
            out: tuple[float, float] = b
            return out
    return (-math.inf, math.inf)


#: A parameter on the unit interval: positions, probabilities, weights, utility terms.
Unit = Annotated[Param, ranged(0.0, 1.0)]
#: A concession exponent: below 1 holds out (Boulware), above 1 concedes early (conceder).
Exponent = Annotated[Param, ranged(0.05, 20.0)]
#: Reactance to threats: 0 threats work fully, 1 cancels them, up to 2 they backfire.
Reactance = Annotated[Param, ranged(0.0, 2.0)]
#: A multiplier on a cost (e.g. how much a watching leader magnifies the empty-chair cost).
Multiplier = Annotated[Param, ranged(0.0, 5.0)]
#: Logit choice noise (temperature, in utility units).
Noise = Annotated[Param, ranged(0.001, 2.0)]

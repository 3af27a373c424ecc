#!/usr/bin/env bash
# Redraw the pictures of docs/figures.md (docs/figures/any/*.png) from the current code: run after
# a change to the model or the figures, then look at them and commit them. Each is the figure the
# command writes, copied here; the numbers in its title say what it was drawn from.
#   bash docs/figures/any/redraw.sh            (from the repository; about 3 minutes on 1 core)
set -euo pipefail
cd "$(dirname "$0")/../../.."
here=docs/figures/any
negsim=.venv/bin/negsim
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
one=(--workers 1)

# A DEU III proposal's key events: certainties drawn as facts (1,000 worlds).
$negsim import deu3 tests/data/deu3_slice.tsv --out "$work/deu3" >/dev/null
$negsim run "$work/deu3/d00032.yaml" --runs 1000 "${one[@]}" --out "$work/deu3-run" >/dev/null
cp "$work/deu3-run/figures/events.png" "$here/deu3_events.png"

# A user-style scenario's delegation levels (2,000 worlds).
$negsim run tests/data/three_party_trade.yaml --runs 2000 "${one[@]}" --out "$work/trade" >/dev/null
cp "$work/trade/figures/levels.png" "$here/trade_levels.png"

# The PRIM box for a ceasefire on the baseline, over its two first parameters (10,000 worlds, seed 0).
$negsim run istanbul_2025 --runs 10000 --seed 0 --no-figures "${one[@]}" --out "$work/base" >/dev/null
$negsim discover "$work/base" --event agreement.ceasefire --out "$work/disc" >/dev/null
cp "$work/disc/figures/discovery_pair.png" "$here/discovery_pair.png"

# A Latin hypercube's two-parameter view (48 points of 300 worlds).
$negsim sweep istanbul_2025 --sample lhs --n 48 --runs 300 "${one[@]}" \
  --param parties.russia.outside_option=0.3:0.8 --param protocol.choice_noise=0.02:0.3 \
  --out "$work/lhs" >/dev/null
cp "$work/lhs/figures/sweep_pairs.png" "$here/sweep_pairs.png"

# How stable the Sobol ranking of drivers is (N=128, 20 worlds per row, two events).
$negsim sensitivity istanbul_2025 --method sobol --n 128 --replicates 20 "${one[@]}" \
  --events agreement.ceasefire level.russia.leader --out "$work/sens" >/dev/null
cp "$work/sens/figures/sensitivity_stability.png" "$here/sensitivity_stability.png"

echo "redrawn: $(ls "$here"/*.png | tr '\n' ' ')"

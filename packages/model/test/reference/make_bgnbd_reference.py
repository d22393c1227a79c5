#!/usr/bin/env python3
"""Writes bgnbd-reference.json: BG/NBD E[Y(t) | x, t_x, T] and P(alive) on a grid, in 60-digit
arithmetic (mpmath), rounded once to the nearest double at the end.

Each expectation is computed twice, by methods that share no code path:
  1. the closed form of Fader, Hardie & Lee (2005, eq. 10) with mpmath's own 2F1;
  2. the integral it came from, E = P(alive) * Int_0^1 Beta(p; a, b+x) (1 - (1 + p t/(alpha+T))^-(r+x)) / p dp,
     by tanh-sinh quadrature;
and the script stops if they disagree beyond 1e-25 (relative). At a = 1 the closed form is 0/0;
there it is evaluated at a = 1 +- 1e-30 and compared with the quadrature, which needs no limit.

Run from the repository root: python3 packages/model/test/reference/make_bgnbd_reference.py
(needs mpmath; takes a few minutes).
"""
import json
from pathlib import Path
from mpmath import mp, mpf, hyp2f1, quad, beta, log, exp, fabs

mp.dps = 60

PARAMETER_SETS = {
    # Fader, Hardie & Lee's CDNOW estimate, alpha converted from weeks to days (x 7)
    "cdnow_days": dict(r="0.243", alpha="30.898", a="0.793", b="2.426"),
    # frequent buyers, a > 1
    "frequent_a_gt_1": dict(r="1.5", alpha="20", a="3.2", b="8.5"),
    # a = 1 exactly, where the textbook (a+b+x-1)/(a-1) form is 0/0
    "a_eq_1": dict(r="0.6", alpha="12", a="1", b="1.8"),
    # a + b - 1 - r < 0: the Euler-transformed series starts with terms of alternating sign
    "negative_first_parameter": dict(r="2.5", alpha="5", a="0.6", b="0.7"),
    # a + b < 1: for x = 0 the 2F1's third parameter a + b - 1 is negative
    "a_plus_b_below_1": dict(r="0.3", alpha="15", a="0.4", b="0.45"),
}
XS = [0, 1, 2, 5, 20, 100, 500, 1000]
TS = [30, 365, 7300]  # customer age T, days
HORIZONS = [30, 90, 365, 1825, 7300]  # t, days (one month .. twenty years)


def p_alive(r, alpha, a, b, x, tx, T):
    if x == 0:
        return mpf(1)
    return 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x))


def closed_form(r, alpha, a, b, x, tx, T, t):
    z = t / (alpha + T + t)
    bracket = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
    return (a + b + x - 1) / (a - 1) * bracket * p_alive(r, alpha, a, b, x, tx, T)


def by_quadrature(r, alpha, a, b, x, tx, T, t):
    w = t / (alpha + T)
    lb = log(beta(a, b + x))

    def integrand(p):
        if p == 0:
            return mpf(0) if a > 1 else (w * (r + x) if a == 1 else mp.inf)
        density = exp((a - 1) * log(p) + (b + x - 1) * log(1 - p) - lb)
        return density * -mp.expm1(-(r + x) * mp.log1p(p * w)) / p

    # the posterior of p piles up near a/(a+b+x); give tanh-sinh breakpoints around it
    m = a / (a + b + x)
    points = sorted(p for p in {mpf(0), m / 16, m / 4, m, 4 * m, 16 * m, mpf(1)} if p <= 1)
    return quad(integrand, points) * p_alive(r, alpha, a, b, x, tx, T)


def main():
    rows = []
    for name, raw in PARAMETER_SETS.items():
        r, alpha, a, b = (mpf(raw[k]) for k in ("r", "alpha", "a", "b"))
        for x in XS:
            for T in TS:
                txs = [0] if x == 0 else [T / 4, T]
                for tx in txs:
                    tx_m, T_m = mpf(tx), mpf(T)
                    for t in HORIZONS:
                        q = by_quadrature(r, alpha, a, b, x, tx_m, T_m, mpf(t))
                        if a == 1:
                            eps = mpf("1e-30")
                            c = (closed_form(r, alpha, a + eps, b, x, tx_m, T_m, t)
                                 + closed_form(r, alpha, a - eps, b, x, tx_m, T_m, t)) / 2
                        else:
                            c = closed_form(r, alpha, a, b, x, tx_m, T_m, t)
                        if fabs(c - q) > mpf("1e-25") * fabs(c):
                            raise SystemExit(f"disagree {name} x={x} tx={tx} T={T} t={t}: {c} vs {q}")
                        rows.append(dict(set=name, x=x, tx=float(tx), T=T, t=t,
                                         expected=float(c),
                                         pAlive=float(p_alive(r, alpha, a, b, x, tx_m, T_m))))
    out = dict(
        about="BG/NBD E[Y(t)|x,t_x,T] and P(alive) in 60-digit arithmetic; see make_bgnbd_reference.py",
        parameterSets={k: {kk: float(v) for kk, v in raw.items()} for k, raw in PARAMETER_SETS.items()},
        rows=rows,
    )
    path = Path(__file__).with_name("bgnbd-reference.json")
    path.write_text(render(out))
    print(f"wrote {len(rows)} rows to {path}")


def render(out):
    """one row per line: small diffs when the grid grows; floats keep their exact repr"""
    head = {k: v for k, v in out.items() if k != "rows"}
    lines = ",\n".join("  " + json.dumps(row) for row in out["rows"])
    return json.dumps(head, indent=2)[:-2] + ',\n  "rows": [\n' + lines + "\n  ]\n}\n"


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Reference tables for the metrics statistics tests, computed with mpmath.

Regenerate (Python 3 with mpmath 1.3; about a quarter of an hour on one core):

    cd metrics/testdata && python3 gen_stats.py

It writes beta_beats.csv and normal_quantile.csv. The Go tests read these
files and never run Python.

beta_beats.csv: P(p_B > p_A) for p_A ~ Beta(alpha + sA, beta + nA - sA) and
p_B ~ Beta(alpha + sB, beta + nB - sB), the prior (alpha, beta) taken as the
exact binary value of the float64 the Go test parses. Each value is computed
at 40 significant digits by a method unrelated to the Go code: Gil-Pelaez
inversion of the characteristic function of D = logit p_B - logit p_A,

    P(D > 0) = 1/2 + (1/pi) * integral_0^inf Im(phi_D(t)) / t dt,
    phi_D(t) = G(aB+it) G(bB-it) G(aA-it) G(bA+it) / (G(aB) G(bB) G(aA) G(bA)),

(G the gamma function: logit Beta(a, b) = ln Gamma_a - ln Gamma_b for
independent gamma variables, and E[Gamma_a^(it)] = G(a+it)/G(a)), by
Gauss-Legendre quadrature on mpmath's adaptive degrees. Every row is then
checked by a second method, recorded in the "check" column with the absolute
difference found:

  - series: the finite beta-comparison series (Cook 2005) summed term by term
    with mp.beta, when a posterior parameter of B is a whole number <= 3000;
  - quad: mp.quad over the log odds t of the density of A times
    1 - betainc(aB, bB, 0, x(t)), when every parameter is below 5000;
  - gp50: the same inversion again at 50 digits with other break points
    (for the rows with huge counts, where neither of the others is cheap).

normal_quantile.csv: z with Phi(z) = p, found by mp.findroot on
ln Phi(z) - ln p at 50 digits (Phi = mp.ncdf), for p down to the smallest
subnormal float64; p is written as the exact float64 the Go test parses.
"""

import csv
import sys
import time

import mpmath as mp

# (label, alpha, beta, successes A, trials A, successes B, trials B).
# Labels name the region of the Go code's paths: "series" rows have some
# posterior parameter below 2^16, "edgeworth" rows have all four at or above.
BETA_ROWS = [
    # Uniform prior (whole-number posteriors).
    ("small", "1", "1", 10, 100, 15, 100),
    ("ctr", "1", "1", 120, 10000, 150, 10000),
    ("large", "1", "1", 1000, 100000, 1100, 100000),
    ("identical arms", "1", "1", 3, 7, 3, 7),
    ("no data", "1", "1", 0, 0, 0, 0),
    ("one trial each", "1", "1", 0, 1, 1, 1),
    ("B all successes", "1", "1", 0, 0, 5, 5),
    ("unequal trials", "1", "1", 30, 1000, 200, 5000),
    ("unequal trials 2", "1", "1", 5, 50, 40, 1000),
    ("unequal trials 3", "1", "1", 1, 10, 100, 10000),
    ("decisive", "1", "1", 1000, 10000, 2000, 10000),
    ("A near 1e9, B small (lgamma cancellation)", "1", "1", 1000000000, 2000000000, 51, 100),
    ("B near 1e9, A small", "1", "1", 51, 100, 1000000000, 2000000000),
    ("counts near 1e9, equal trials", "1", "1", 10000000, 1000000000, 10003000, 1000000000),
    ("counts near 1e9, far tail", "1", "1", 10000000, 1000000000, 10032000, 1000000000),
    ("normal path, unequal trials (issue)", "1", "1", 1100000, 100000000, 2200000, 200000000),
    ("normal path, unequal trials 1e9/1e10 (issue)", "1", "1", 1100000, 1000000000, 11022000, 10000000000),
    ("just below 2^16", "1", "1", 65534, 131070, 65700, 131070),
    ("at 2^16", "1", "1", 65535, 131070, 65700, 131070),
    ("at 2^16, unequal trials", "1", "1", 65535, 10000000, 131500, 20000000),
    ("just below 2^20, unequal trials", "1", "1", 1048574, 100000000, 2097500, 200000000),
    ("at 2^20, unequal trials", "1", "1", 1048575, 100000000, 2097500, 200000000),
    ("tiny rates, huge trials", "1", "1", 3, 9000000000000000000, 5, 9000000000000000000),
    ("1e12 trials", "1", "1", 1000000, 1000000000000, 1001500, 1000000000000),
    # Shapes below 1.
    ("jeffreys", "0.5", "0.5", 0, 50, 2, 50),
    ("jeffreys all successes", "0.5", "0.5", 50, 50, 48, 50),
    ("jeffreys B all successes", "0.5", "0.5", 47, 50, 50, 50),
    ("jeffreys no data", "0.5", "0.5", 0, 0, 0, 0),
    ("jeffreys one trial", "0.5", "0.5", 0, 1, 0, 1),
    ("jeffreys 1e6 trials", "0.5", "0.5", 0, 1000000, 3, 1000000),
    ("jeffreys counts near 1e9", "0.5", "0.5", 10, 1000000000, 25, 2000000000),
    ("jeffreys just below 2^16", "0.5", "0.5", 65535, 1000000, 66000, 1000000),
    ("jeffreys at 2^16", "0.5", "0.5", 65536, 1000000, 66000, 1000000),
    ("jeffreys at 2^20, unequal trials", "0.5", "0.5", 1048576, 3000000, 1100000, 3150000),
    ("shape 0.05 (issue)", "0.05", "0.95", 0, 1000, 0, 1000),
    ("shape 0.05, one success", "0.05", "0.95", 0, 1000, 1, 1000),
    ("shape 0.05, two successes A", "0.05", "0.95", 2, 1000, 0, 1000),
    ("shape 0.01 (issue)", "0.01", "10.5", 0, 1000, 0, 1000),
    ("shape 0.01, one success", "0.01", "10.5", 0, 1000, 1, 1000),
    ("shape 0.001 (issue)", "0.001", "0.001", 0, 10, 1, 10),
    ("shape 0.001 no data", "0.001", "0.001", 0, 0, 0, 0),
    ("shape 0.001 near all successes", "0.001", "0.001", 10, 10, 9, 10),
    ("shape 0.001 unequal trials", "0.001", "0.001", 0, 1, 0, 2),
    ("shape 0.7 unequal trials", "0.7", "3.3", 7, 100, 90, 1000),
    ("shape 0.3 counts near 1e9", "0.3", "0.7", 2000000, 4000000, 2001000, 4000000),
    # Shapes between 1 and 2.
    ("shape 1.3 no data (issue)", "1.3", "50.2", 0, 0, 0, 0),
    ("shape 1.3", "1.3", "50.2", 1, 100, 3, 100),
    ("shape 1.3 B one trial", "1.3", "50.2", 0, 0, 1, 1),
    ("shape 1.5", "1.5", "1.5", 2, 5, 3, 5),
    ("shape 1.9/1.1", "1.9", "1.1", 0, 3, 3, 3),
    ("shape 1.5 counts near 1e9", "1.5", "100.5", 100, 1000000000, 130, 1000000000),
    ("shape 1.5 huge, edgeworth", "1.5", "100.5", 10000000, 1000000000, 10010000, 1000000000),
    # Empirical-Bayes priors.
    ("empirical bayes", "2.3", "180.7", 30, 2000, 45, 2100),
    ("empirical bayes no data vs one success", "2.3", "180.7", 0, 0, 1, 10),
    ("empirical bayes unequal trials", "2.3", "180.7", 300, 100000, 420, 150000),
    ("empirical bayes 1e5 trials", "2.3", "180.7", 2000, 100000, 2150, 100000),
]

QUANTILE_PS = [
    "0.975", "0.995", "0.1", "1e-10", "1e-20", "1e-100", "1e-300", "1e-307",
    "2.2250738585072014e-308",  # smallest normal
    "1e-308", "1e-309", "1e-310", "1e-315", "1e-320", "1e-323",
    "5e-324",  # smallest subnormal
    "0.9999999999999999",
]


def pbba_gp(aA, bA, aB, bB, refine=False):
    """P(pB > pA) by Gil-Pelaez inversion (see the module doc)."""
    l0 = mp.loggamma(aB) + mp.loggamma(bB) + mp.loggamma(aA) + mp.loggamma(bA)

    def phi(t):
        it = mp.mpc(0, t)
        return mp.exp(mp.loggamma(aB + it) + mp.loggamma(bB - it) + mp.loggamma(aA - it) + mp.loggamma(bA + it) - l0)

    k1 = mp.digamma(aB) - mp.digamma(bB) - mp.digamma(aA) + mp.digamma(bA)
    k2 = mp.psi(1, aB) + mp.psi(1, bB) + mp.psi(1, aA) + mp.psi(1, bA)
    sd = mp.sqrt(k2)

    def f(t):
        if t == 0:
            return k1
        return mp.im(phi(t)) / t

    # Upper limit: |phi| below 10^-(digits + 5).
    T = 1 / sd
    while abs(phi(T)) > mp.mpf(10) ** -(mp.mp.dps + 5):
        T *= 1.25
    pts = [mp.mpf(0)]
    t = min(aA, bA, aB, bB, 1 / sd) / (16 if not refine else 7)
    while t < T:
        pts.append(t)
        t *= 2 if not refine else 1.7
    # Linear break points at the envelope scale and the half period of the
    # mean phase, where the characteristic function is nearly Gaussian.
    step = 1 / sd
    if k1 != 0:
        step = min(step, mp.pi / abs(k1))
    if refine:
        step *= 0.7
    if T / step <= 2000:
        x = step
        while x < T:
            pts.append(x)
            x += step
    pts = sorted(set(pts + [T]))
    v, err = mp.quad(f, pts, error=True, method="gauss-legendre")
    if err > mp.mpf(10) ** -35:
        raise RuntimeError("quadrature error estimate %s" % mp.nstr(err, 3))
    return mp.mpf(1) / 2 + v / mp.pi


def pbba_series(aA, bA, aB, bB):
    """Sum_{i < aB} B(aA+i, bA+bB) / ((bB+i) B(1+i, bB) B(aA, bA)), aB whole."""
    s = mp.mpf(0)
    for i in range(int(aB)):
        s += mp.beta(aA + i, bA + bB) / ((bB + i) * mp.beta(1 + i, bB) * mp.beta(aA, bA))
    return s


def pbba_quad(aA, bA, aB, bB):
    """Integral over t = logit x of x^aA (1-x)^bA / B(aA, bA) * P(pB > x).

    x and 1 - x are carried as logarithms, so that the tails of small shapes
    (t beyond +-1e5, where x or 1 - x is below 1e-40000) keep their digits,
    and P(pB > x) is taken from whichever incomplete beta has the argument
    below 1/2.
    """
    lb = mp.log(mp.beta(aA, bA))

    def f(t):
        lx, l1x = -mp.log1p(mp.exp(-t)), -mp.log1p(mp.exp(t))  # ln x, ln(1 - x)
        dens = mp.exp(aA * lx + bA * l1x - lb)
        if dens == 0:
            return dens
        if t < 0:
            surv = 1 - mp.betainc(aB, bB, 0, mp.exp(lx), regularized=True)
        else:
            surv = mp.betainc(bB, aB, 0, mp.exp(l1x), regularized=True)
        return dens * surv

    mA = mp.digamma(aA) - mp.digamma(bA)
    sA = mp.sqrt(mp.psi(1, aA) + mp.psi(1, bA))
    mB = mp.digamma(aB) - mp.digamma(bB)
    sB = mp.sqrt(mp.psi(1, aB) + mp.psi(1, bB))
    pts = set([mp.mpf(0)])
    for m, s in ((mA, sA), (mB, sB)):
        for k in range(-12, 13):
            pts.add(m + k * s / 2)
    # Long exponential tails of small shapes: geometric points out to where
    # e^(shape * |t|) is below 1e-50.
    reach = 120 / min(aA, bA)
    t = mp.mpf(1)
    while t < reach:
        pts.add(t)
        pts.add(-t)
        t *= 2
    pts = sorted(pts)
    return mp.quad(f, [-mp.inf] + pts + [mp.inf], method="tanh-sinh")


def is_whole(v):
    return v == mp.floor(v)


def beta_row(row):
    label, alpha, beta, sA, nA, sB, nB = row
    a0, b0 = mp.mpf(float(alpha)), mp.mpf(float(beta))
    aA, bA = a0 + sA, b0 + (nA - sA)
    aB, bB = a0 + sB, b0 + (nB - sB)
    # loggamma of the huge parameters is ~1e20: carry their digits too.
    extra = int(mp.log10(max(aA, bA, aB, bB)))
    with mp.workdps(40 + extra):
        p = pbba_gp(aA, bA, aB, bB)
    if is_whole(aB) and aB <= 3000:
        check, q = "series", pbba_series(aA, bA, aB, bB)
    elif max(aA, bA, aB, bB) < 5000:
        check, q = "quad", pbba_quad(aA, bA, aB, bB)
    else:
        with mp.workdps(50 + extra):
            check, q = "gp50", pbba_gp(aA, bA, aB, bB, refine=True)
    diff = abs(p - q)
    if diff > mp.mpf(10) ** -30:
        raise RuntimeError("%s: %s disagrees by %s" % (label, check, mp.nstr(diff, 3)))
    return p, "%s %s" % (check, mp.nstr(diff, 2))


def quantile_row(ps):
    p = mp.mpf(float(ps))
    with mp.workdps(50):
        lp = mp.log(p)
        x0 = -mp.sqrt(-2 * lp) if p < 0.5 else mp.sqrt(2) * mp.erfinv(2 * p - 1)
        z = mp.findroot(lambda z: mp.log(mp.ncdf(z)) - lp, x0)
        assert abs(mp.ncdf(z) / p - 1) < mp.mpf(10) ** -40
    return z


def main():
    mp.mp.dps = 40
    with open("beta_beats.csv", "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["label", "alpha", "beta", "successes_a", "trials_a", "successes_b", "trials_b", "p", "check"])
        for row in BETA_ROWS:
            t0 = time.time()
            p, check = beta_row(row)
            w.writerow(list(row) + [mp.nstr(p, 35), check])
            fh.flush()
            print("%-50s %s  %s  %.1fs" % (row[0], mp.nstr(p, 20), check, time.time() - t0), file=sys.stderr)
    with open("normal_quantile.csv", "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["p", "z"])
        for ps in QUANTILE_PS:
            w.writerow([ps, mp.nstr(quantile_row(ps), 35)])


if __name__ == "__main__":
    main()

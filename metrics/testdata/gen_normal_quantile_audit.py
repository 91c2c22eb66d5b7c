# An auditor's check of metrics.NormalQuantile by another method than gen_stats.py's
# findroot: Phi^{-1}(p) = -sqrt(2) erfinv(1 - 2p) at 400 digits (so that 1 - 2p keeps
# p's digits down to 5e-324), at 40 log-uniform random p and a few fixed ones.
#   cd metrics/testdata && python3 gen_normal_quantile_audit.py > normal_quantile_audit.csv
import mpmath as mp, random
mp.mp.dps = 400
random.seed(19)
ps = [float(mp.mpf(10)**random.uniform(-323.5, -0.31)) for _ in range(40)] + [5e-324, 1e-310, 2.2250738585072014e-308, 0.5, 0.975, 0.9999999]
print("p,z")
for p in ps:
    z = -mp.sqrt(2)*mp.erfinv(1 - 2*mp.mpf(p))
    print("%r,%s" % (p, mp.nstr(z, 25)))

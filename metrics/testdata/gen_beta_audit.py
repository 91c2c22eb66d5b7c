# An auditor's check of metrics.ProbabilityBBeatsA on random priors and counts,
# by methods other than gen_stats.py's (which inverts a characteristic function):
# P(p_B > p_A), p_A ~ Beta(a1,b1), p_B ~ Beta(a2,b2), is
#   - when a2 (or a1, through 1 - P(A > B)) is a whole number below 400000:
#     Miller's finite sum, term by term
#     with its exact ratio (see finite);
#   - otherwise: integral_0^1 f_B(x) I_x(a1, b1) dx by mpmath's tanh-sinh quadrature
#     at 25 digits, the interval split at the posterior means +- k standard
#     deviations of both arms, I_x summed as its positive hypergeometric series
#     (see inc).
# The two agree to 25 digits where both apply (e.g. Beta(30,70) vs Beta(40,60):
# 0.93221852417209310650557). Rows whose quadrature does not converge are
# skipped (on stderr).
#
# Regenerate (about half an hour on one core):
#   cd metrics/testdata && python3 gen_beta_audit.py 12 7 > beta_beats_audit.csv
# (12 random rows, seed 7, then the fixed rows at the end; a third argument i
# prints, without the header, only the rows from index i on, to resume).
import mpmath as mp, random, sys
mp.mp.dps = 25
def finite(a1,b1,a2,b2):
    # a2 a whole number: P = sum_{i<a2} t_i, t_0 = B(a1, b1+b2)/B(a1,b1),
    # t_{i+1}/t_i = (a1+i)(b2+i)/((a1+b1+b2+i)(1+i))  (Miller's closed form).
    a1,b1,a2,b2 = map(mp.mpf,(a1,b1,a2,b2))
    t = mp.beta(a1,b1+b2) / mp.beta(a1,b1)
    s = mp.mpf(0)
    for i in range(int(a2)):
        s += t
        t *= (a1+i)*(b2+i)/((a1+b1+b2+i)*(1+i))
    return s
def inc(a,b,x):
    # I_x(a,b) = x^a (1-x)^b / (a B(a,b)) * 2F1(a+b, 1; a+1; x), summed directly (positive
    # terms), from the side of the mean where the series converges fast.
    if x > (a+1)/(a+b+2):
        return 1 - inc(b,a,1-x)
    s = term = mp.mpf(1); n = 0
    while term > s*mp.mpf(10)**(-mp.mp.dps-2):
        term *= (a+b+n)/(a+1+n)*x; s += term; n += 1
    return mp.exp(a*mp.log(x) + b*mp.log1p(-x) - mp.log(a) - mp.log(mp.beta(a,b))) * s
def pbeats(a1,b1,a2,b2):
    if float(a2).is_integer() and a2 < 400000:
        return finite(a1,b1,a2,b2)
    if float(a1).is_integer() and a1 < 400000:
        return 1 - finite(a2,b2,a1,b1)
    a1,b1,a2,b2 = map(mp.mpf,(a1,b1,a2,b2))
    lnB = mp.log(mp.beta(a2,b2))
    def f(x):
        if x <= 0 or x >= 1: return mp.mpf(0)
        return mp.exp((a2-1)*mp.log(x)+(b2-1)*mp.log1p(-x)-lnB) * inc(a1,b1,x)
    pts = {mp.mpf(0), mp.mpf(1)}
    for a,b in ((a1,b1),(a2,b2)):
        m = a/(a+b); sd = mp.sqrt(a*b/((a+b)**2*(a+b+1)))
        for k in (-30,-10,-4,-1,0,1,4,10,30):
            x = m + k*sd
            if 0 < x < 1: pts.add(x)
    pts = sorted(pts)
    return mp.quad(f, pts, maxdegree=10)
random.seed(int(sys.argv[2]) if len(sys.argv) > 2 else 19)
rows = []
def add(label, al, be, sA, nA, sB, nB):
    rows.append((label, al, be, sA, nA, sB, nB))
n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
for i in range(n):
    kind = i % 4
    if kind == 0:   # non-integer prior, small shapes, small counts
        al = round(10**random.uniform(-2.5, 0.5), 4); be = round(10**random.uniform(-2, 2), 4)
        nA = random.randint(0, 60); nB = random.randint(0, 60)
    elif kind == 1: # non-integer prior, ctr-like counts
        al = round(10**random.uniform(-1, 1), 3); be = round(10**random.uniform(0, 3), 3)
        nA = random.randint(100, 3000); nB = random.randint(100, 3000)
    elif kind == 2: # uniform prior, counts around the 2^16 switch, unequal trials
        al, be = 1, 1
        nA = random.randint(140000, 400000); nB = random.randint(140000, 1500000)
    else:           # integer prior, moderate
        al = random.randint(1, 5); be = random.randint(1, 50)
        nA = random.randint(0, 5000); nB = random.randint(0, 5000)
    rA = random.uniform(0.005, 0.4) if kind != 2 else random.uniform(0.2, 0.45); sA = round(nA*rA)
    sB = min(nB, max(0, round(nB*rA*random.uniform(0.85, 1.2))))
    if kind == 2:
        sA = max(sA, 66000); nA = max(nA, sA+66000); sB = max(sB, 66000); nB = max(nB, sB+66000)
    add("k%d" % kind, al, be, sA, nA, sB, nB)
# boundaries: one parameter just below / at 2^16 with the others large
add("edge below", 1, 1, 65534, 900000, 72800, 1000000)
add("edge at", 1, 1, 65535, 900000, 72800, 1000000)
add("shape 1.5 zero counts", 1.5, 1.5, 0, 0, 0, 3)
add("shape 0.2 vs many", 0.2, 0.2, 0, 5, 3, 5)
if len(sys.argv) <= 3: print("label,alpha,beta,successes_a,trials_a,successes_b,trials_b,p")
first = int(sys.argv[3]) if len(sys.argv) > 3 else 0  # resume: print rows from this index
for (label, al, be, sA, nA, sB, nB) in rows[first:]:
    try:
        p = pbeats(al+sA, be+nA-sA, al+sB, be+nB-sB)
    except Exception as e:
        print(label, al, be, sA, nA, sB, nB, "skipped:", e, file=sys.stderr); continue
    print("%s,%r,%r,%d,%d,%d,%d,%s" % (label, al, be, sA, nA, sB, nB, mp.nstr(p, 30)), flush=True)

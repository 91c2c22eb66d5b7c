# An auditor's check of metrics.DayElapsed: Python's zoneinfo (the system tzdata, an
# implementation of the zone rules other than Go's), the day's bounds found by
# bisection on whole seconds of the local date (no midnight assumed), the share being
# (elapsed seconds + fraction) / (length of the day). Instants around 12 sampled
# transitions of 2000-2030 per zone and 30 random ones.
#   cd metrics/testdata && python3 gen_day_elapsed.py > day_elapsed.csv   (20 s)
import random, datetime as dt
from zoneinfo import ZoneInfo
UTC = dt.timezone.utc
zones = ["America/Santiago", "America/Asuncion", "America/Havana", "Asia/Beirut", "Africa/Cairo",
         "America/New_York", "Europe/Berlin", "Pacific/Apia", "America/Sao_Paulo", "Australia/Lord_Howe", "Asia/Tehran"]
def ldate(z, u):
    return dt.datetime.fromtimestamp(u, UTC).astimezone(z).date()
def first(z, lo, hi, pred):  # smallest u in (lo, hi] with pred(u), pred monotone
    while hi - lo > 1:
        m = (lo + hi) // 2
        if pred(m): hi = m
        else: lo = m
    return hi
random.seed(19)
print("zone,unix,frac,elapsed")
for name in zones:
    z = ZoneInfo(name)
    # transitions 2000-2030 by hourly scan
    ts = []
    u0 = int(dt.datetime(2000,1,1,tzinfo=UTC).timestamp()); u1 = int(dt.datetime(2031,1,1,tzinfo=UTC).timestamp())
    prev = dt.datetime.fromtimestamp(u0, UTC).astimezone(z).utcoffset()
    for u in range(u0, u1, 3600):
        off = dt.datetime.fromtimestamp(u, UTC).astimezone(z).utcoffset()
        if off != prev:
            ts.append(first(z, u-3600, u, lambda x: dt.datetime.fromtimestamp(x, UTC).astimezone(z).utcoffset() == off))
            prev = off
    insts = []
    for tr in random.sample(ts, min(12, len(ts))):
        insts += [tr-1, tr, tr+1, tr-3600, tr+3600, tr+12*3600, tr-12*3600, tr+23*3600+1800, tr-23*3600]
    insts += [random.randint(u0, u1) for _ in range(30)]
    for t in insts:
        frac = random.choice([0, 0, 0.25, 0.999])
        D = ldate(z, t)
        start = first(z, t-30*3600, t, lambda x: ldate(z, x) >= D)
        if ldate(z, t) != D or ldate(z, start) != D: continue
        end = first(z, t, t+30*3600, lambda x: ldate(z, x) > D)
        el = ((t - start) + frac) / (end - start)
        print("%s,%d,%r,%.17g" % (name, t, frac, el))

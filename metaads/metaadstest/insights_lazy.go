package metaadstest

import (
	"slices"
	"sort"
	"sync"
)

// lazyRows is an insights result generated bucket by bucket (a day, a run
// of time_increment days, a month, or a whole range: the time slices that
// rows are ordered by) as pages ask for them, so the first page of a
// million-row pull costs one bucket, not the million rows. Only recent
// buckets are kept rendered; an older one (a previous link) is generated
// again, with the same rows, from the same snapshot. Results that need
// every row at once (sort, summary) are rendered eagerly instead.
type lazyRows struct {
	gen     *generator
	q       *insightsQuery
	snaps   []*adSnap
	offset  int64
	buckets []dayRange // in row order

	mu     sync.Mutex
	starts []int // index of the first row of each generated bucket
	total  int   // rows in the generated buckets
	kept   map[int][][]byte
	order  []int // kept buckets, oldest first
	nKept  int   // rows kept
}

// lazyKeepRows bounds the rendered rows a lazy result keeps.
const lazyKeepRows = 50_000

// lazyUnknown stands for the row count of a lazy result while it is not
// fully generated.
const lazyUnknown = 1 << 40

// lazyOK reports whether a query can be generated bucket by bucket: sort
// and summary need every row at once.
func (q *insightsQuery) lazyOK() bool { return q.sortField == "" && !q.summary }

func newLazyRows(g *generator, q *insightsQuery, snaps []*adSnap, offset int64) *lazyRows {
	l := &lazyRows{gen: g, q: q, snaps: snaps, offset: offset, kept: map[int][][]byte{}}
	for ri, rg := range q.ranges {
		if q.incr == 0 {
			l.buckets = append(l.buckets, rg)
			continue
		}
		last := -1
		for day := rg.since; day <= min(rg.until, q.today); day++ {
			if b, bs, be := q.bucket(ri, day); b != last {
				l.buckets = append(l.buckets, dayRange{bs, be})
				last = b
			}
		}
	}
	return l
}

// render generates the rows of bucket i.
func (l *lazyRows) render(i int) [][]byte {
	sub := *l.q
	sub.ranges = []dayRange{l.buckets[i]}
	sub.incr = 0
	return sub.render(l.gen.run(&sub, l.snaps), l.offset).rows
}

// ensure generates buckets until at least n rows exist or none are left,
// and returns the rows generated and whether that is all of them.
func (l *lazyRows) ensure(n int) (count int, done bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.total < n && len(l.starts) < len(l.buckets) {
		i := len(l.starts)
		rows := l.render(i)
		l.starts = append(l.starts, l.total)
		l.total += len(rows)
		l.keep(i, rows)
	}
	return l.total, len(l.starts) == len(l.buckets)
}

// keep stores the rendered rows of bucket i, dropping the oldest others
// past lazyKeepRows. Caller holds l.mu.
func (l *lazyRows) keep(i int, rows [][]byte) {
	if _, ok := l.kept[i]; ok {
		return
	}
	l.kept[i] = rows
	l.order = append(l.order, i)
	l.nKept += len(rows)
	for l.nKept > lazyKeepRows && len(l.order) > 1 {
		old := l.order[0]
		l.order = l.order[1:]
		l.nKept -= len(l.kept[old])
		delete(l.kept, old)
	}
}

// rows returns rows [start, end) of the generated buckets.
func (l *lazyRows) rows(start, end int) [][]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	end = min(end, l.total)
	if start >= end {
		return nil
	}
	out := make([][]byte, 0, end-start)
	// The bucket holding start: the last one starting at or before it.
	i := sort.Search(len(l.starts), func(i int) bool { return l.starts[i] > start }) - 1
	for ; i < len(l.starts) && l.starts[i] < end; i++ {
		rows, ok := l.kept[i]
		if !ok {
			rows = l.render(i)
			l.keep(i, rows)
		}
		from, to := max(start-l.starts[i], 0), min(end-l.starts[i], len(rows))
		out = append(out, rows[from:to]...)
	}
	return slices.Clip(out)
}

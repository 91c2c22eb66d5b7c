package llm

import (
	"cmp"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/adpilot/adpilot/rules"
)

// kind is what a number stated in text or held in the facts measures,
// as far as its marker tells: a currency, a percent sign, an "x".
type kind uint8

const (
	kindPlain   kind = iota // no marker
	kindMoney               // a currency symbol or code
	kindPercent             // %, percent, percentage points
	kindRatio               // 2.3x
	kindCount               // a count in the facts
)

// reading is one way to read a stated number: its value on the display
// scale (major units, percent), what rounding its digits allow, and its
// marker.
type reading struct {
	v    float64 // absolute value, on the display scale (major units, percent)
	half float64 // half a unit of its last digit: what rounding allows
	kind kind
}

// stated is one number found in text.
type stated struct {
	text string // as written ("41.20 USD")
	pos  int    // byte offset in the text
	reading
	// alts are further readings of a number in words: "half" is 50% and
	// a ratio of 0.5, "doubled" a ratio of 2 and a change of +100%.
	alts []reading
	// sign is -1 or +1 when the number is written with a sign ("-130.00
	// USD", "+86.7%"), 0 without: a signed number must match the signed
	// value, an unsigned one may match either sign.
	sign int
	// about are the metric families its clause names ("roas", "cpa",
	// "target"); empty when the clause names none.
	about []string
	// windows are the windows its sentence names ("last_7d", "the
	// previous week"); empty when it names none.
	windows winSet
	// ents are the entities (ids; "" for the account) it may be about,
	// set by the grounder from what its sentence names; nil for any.
	ents map[string]bool
}

var (
	numberRE = regexp.MustCompile(`([$€£¥]\s?)?([+\-−]?)(\d[\d,]*(?:\.\d+)?|\.\d+)((?:[eE][+\-]?\d{1,3})?)(\s?(?:%|percentage points?|percent|pp\b|x\b|[kKM]\b|million\b|thousand\b|[A-Z]{3}\b))?`)
	dateRE   = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`)
	// windowRE matches window names, whose digits are not data.
	windowRE = regexp.MustCompile(`\b(?:last|previous|launch|baseline)_\d+d\b|\bday_\d\b`)
	// unitWords after a small integer make it a count of days or entities,
	// which the facts do not state as numbers ("the last 7 days", "3 ad sets").
	unitWordsRE = regexp.MustCompile(`^[\s-]?(?:days?|weeks?|months?|hours?|campaigns?|ad ?sets?|ads?|rules?|signals?|recommendations?|entities)\b`)
	// metricPrefixRE are words a number glued to them states a value of
	// ("ROAS0.84", "CPA93").
	metricPrefixRE = regexp.MustCompile(`(?i)^(?:roas|cpa|cpc|cpm|ctr|spend|spent|profit|loss|budget|bid|frequency|freq|reach|revenue|value|conversions|purchases|impressions|rate|usd|eur|gbp|jpy)$`)
	// windowWordsRE names windows in words, longest first.
	windowWordsRE = regexp.MustCompile(`(?i)(\bprevious_7d\b|\bprevious[ -]7[ -](?:complete[ -])?days\b|\b(?:previous|prior) week\b|\bweek before\b|\b7 days before\b)|` +
		`(\blast_30d\b|\b(?:last|past)[ -]30[ -](?:complete[ -])?days\b|\b30[ -]days?\b|\b(?:past|last) month\b|\ba month\b|\bper month\b|\bmonthly\b)|` +
		`(\blast_7d\b|\b(?:last|past)[ -]7[ -](?:complete[ -])?days\b|\b(?:past|last|this) week\b|\b7[ -]days?\b|\ba week\b|\bper week\b|\bweekly\b)|` +
		`(\byesterday\b)`)
	windowOfGroup = []rules.Window{rules.WindowPrevious7D, rules.WindowLast30D, rules.WindowLast7D, rules.WindowYesterday}
)

// numbersIn returns the numbers of s that state data: window names,
// ISO dates and words glued to digits ("v2", "p95", "act_1") are not
// numbers, and neither is a small integer counting days, weeks or
// entities. Numbers in words ("half", "doubled", "ninety-three") are
// numbers. Dates are returned apart. s should be normalised first
// ([normalize]) so that other digits and spaces read as ASCII ones.
func numbersIn(s string) (nums []stated, dates []string) {
	windows := windowsOf(s)
	s = windowRE.ReplaceAllStringFunc(s, blank)
	clauses := clausesOf(s)
	s = dateRE.ReplaceAllStringFunc(s, func(d string) string { dates = append(dates, d); return blank(d) })
	for _, m := range numberRE.FindAllStringSubmatchIndex(s, -1) {
		start, end := m[0], m[1]
		numStart, numEnd := m[6], m[7]
		sign := 0
		if m[5] > m[4] {
			sign = 1
			if s[m[4]] != '+' {
				sign = -1
			}
		}
		if start > 0 {
			prev := s[start-1]
			if sign != 0 && m[2] < 0 && (isWordByte(prev) || prev == '.') {
				// A hyphen after a word or a number ("25-54", "0.54-0.84"):
				// the number after it is unsigned, and still a number.
				sign, start = 0, numStart
			} else if prev == '.' {
				continue // "1.2.3", an ellipsis
			} else if isWordByte(prev) {
				// Glued to a word before it: an identifier ("v2", "p95",
				// "act_1", "a1b2") unless the word is a metric's and the
				// number has decimals or the word names a metric
				// ("ROAS0.84", "CPA93").
				j := start
				for j > 0 && isLetter(s[j-1]) {
					j--
				}
				if j == start || j > 0 && isWordByte(s[j-1]) ||
					!metricPrefixRE.MatchString(s[j:start]) && !strings.Contains(s[numStart:numEnd], ".") {
					continue
				}
			}
		}
		expEnd := m[9]
		suffix := ""
		if m[10] >= 0 {
			suffix = strings.TrimSpace(s[m[10]:m[11]])
		} else if expEnd < len(s) && isWordByte(s[expEnd]) && !strings.Contains(s[numStart:numEnd], ".") {
			// An integer glued to letters after it is an ordinal, a day
			// count or a name ("2nd", "7d", "3days", "2FA"); decimals glued
			// to letters are a number ("0.84roas").
			continue
		}
		digits := strings.ReplaceAll(s[numStart:numEnd], ",", "")
		v, err := strconv.ParseFloat(digits, 64)
		if err != nil || math.IsInf(v, 0) {
			continue
		}
		half := 0.5
		if dot := strings.IndexByte(digits, '.'); dot >= 0 {
			half = 0.5 * math.Pow(10, -float64(len(digits)-dot-1))
		}
		if m[9] > m[8] { // scientific notation: 8.4e-1
			e, err := strconv.Atoi(strings.TrimPrefix(s[m[8]+1:m[9]], "+"))
			if err != nil {
				continue
			}
			v, half = v*math.Pow(10, float64(e)), half*math.Pow(10, float64(e))
			if math.IsInf(v, 0) || math.IsNaN(v) {
				continue
			}
		}
		k := kindPlain
		if m[2] >= 0 {
			k = kindMoney
		}
		switch suffix {
		case "":
		case "%", "percent", "pp", "percentage point", "percentage points":
			k = kindPercent
		case "x":
			k = kindRatio
		case "k", "K", "thousand":
			v, half = v*1e3, half*1e3
		case "M", "million":
			v, half = v*1e6, half*1e6
		default: // a three-letter code: a currency, or a word in capitals
			if isCurrencyCode(suffix) {
				k = kindMoney
			}
		}
		if k == kindPlain && m[2] < 0 && v == math.Trunc(v) && v <= 31 && !strings.Contains(digits, ".") && m[9] == m[8] &&
			unitWordsRE.MatchString(s[numEnd:]) {
			continue
		}
		if k == kindPlain && start >= 4 && isCurrencyCode(strings.TrimSpace(s[start-4:start])) && (start == 4 || !isWordByte(s[start-5])) {
			k = kindMoney // "USD 41.20"
		}
		nums = append(nums, stated{text: strings.TrimSpace(s[start:end]), pos: numStart, reading: reading{v: v, half: half, kind: k},
			sign: sign, about: clauses.about(numStart), windows: windows.at(numStart)})
	}
	for _, n := range wordNumbers(s) {
		n.about, n.windows = clauses.about(n.pos), windows.at(n.pos)
		nums = append(nums, n)
	}
	return nums, dates
}

// Numbers in words.
var (
	cardinals = map[string]float64{"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
		"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
		"nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "dozen": 12,
		"hundred": 100, "thousand": 1e3, "million": 1e6}
	denominators = map[string]float64{"half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fifth": 5, "fifths": 5, "tenth": 10, "tenths": 10}
	multiples    = map[string]float64{"twice": 2, "double": 2, "doubles": 2, "doubled": 2, "doubling": 2, "thrice": 3, "triple": 3, "triples": 3,
		"tripled": 3, "tripling": 3, "quadruple": 4, "quadruples": 4, "quadrupled": 4, "quadrupling": 4, "halved": 0.5, "halving": 0.5}
	// notFraction before a fraction word makes it no number: "the second
	// half", "each quarter".
	notFraction = map[string]bool{"first": true, "second": true, "last": true, "other": true, "each": true, "per": true, "every": true}
	// countNounRE after "one" makes it a count the data states ("one
	// conversion"); "one" alone is a pronoun ("one of the ad sets").
	countNounRE = regexp.MustCompile(`(?i)^\s+(?:conversions?|purchases?|sales?|leads?|clicks?|impressions?|results?)\b`)
)

// wordNumbers returns the numbers of s written in words ("half", "a
// third", "doubled", "tenfold", "ninety-three"), with what each may mean.
func wordNumbers(s string) []stated {
	type word struct {
		w          string
		start, end int
	}
	var ws []word
	for i := 0; i < len(s); {
		if !isLetter(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isLetter(s[j]) {
			j++
		}
		if (i == 0 || !isWordByte(s[i-1])) && (j == len(s) || !isWordByte(s[j])) {
			ws = append(ws, word{strings.ToLower(s[i:j]), i, j})
		}
		i = j
	}
	// joined reports whether words a and b are one number ("ninety-three",
	// "one hundred and twenty").
	joined := func(a, b word) bool {
		gap := strings.TrimSpace(s[a.end:b.start])
		return gap == "" || gap == "-"
	}
	var out []stated
	for k := 0; k < len(ws); k++ {
		w := ws[k]
		n := stated{pos: w.start}
		switch {
		case denominators[w.w] > 0: // "a third", "two thirds", "half"
			num, start := 1.0, w.start
			if k > 0 && joined(ws[k-1], w) {
				p := ws[k-1].w
				if notFraction[p] {
					continue
				}
				if v, ok := cardinals[p]; ok && v > 0 && v < 10 {
					num, start = v, ws[k-1].start
				} else if p == "a" || p == "an" {
					start = ws[k-1].start
				}
			}
			q := num / denominators[w.w]
			n.pos, n.text = start, s[start:w.end]
			n.reading = reading{v: q * 100, half: 2.5, kind: kindPercent}
			n.alts = []reading{{v: q, half: 0.025, kind: kindRatio}}
		case multiples[w.w] > 0 || strings.HasSuffix(w.w, "fold") && cardinals[strings.TrimSuffix(w.w, "fold")] > 1:
			x, ok := multiples[w.w]
			if !ok {
				x = cardinals[strings.TrimSuffix(w.w, "fold")]
			}
			n.text = w.w
			n.reading = reading{v: x, half: 0.1 * x, kind: kindRatio}
			n.alts = []reading{{v: math.Abs(x-1) * 100, half: 10 * math.Abs(x-1), kind: kindPercent}}
		default:
			if _, ok := cardinals[w.w]; !ok {
				continue
			}
			// A run of number words: "one hundred and twenty".
			end := k
			for end+1 < len(ws) {
				next := ws[end+1]
				if _, ok := cardinals[next.w]; ok && joined(ws[end], next) {
					end++
					continue
				}
				if next.w == "and" && end+2 < len(ws) && joined(ws[end], next) && joined(next, ws[end+2]) {
					if _, ok := cardinals[ws[end+2].w]; ok {
						end += 2
						continue
					}
				}
				break
			}
			text := s[w.start:ws[end].end]
			k = end
			if text == "one" || strings.EqualFold(text, "one") {
				if !countNounRE.MatchString(s[ws[end].end:]) {
					continue
				}
			}
			v := cardinalValue(strings.ToLower(text))
			if v <= 31 && v == math.Trunc(v) && unitWordsRE.MatchString(s[ws[end].end:]) {
				continue // "three days", "two ad sets"
			}
			n.text = text
			n.reading = reading{v: v, half: 0.5, kind: kindPlain}
		}
		out = append(out, n)
	}
	return out
}

// cardinalValue reads "ninety-three", "one hundred and twenty", "two thousand".
func cardinalValue(s string) float64 {
	var total, cur float64
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !(r >= 'a' && r <= 'z') }) {
		switch w {
		case "and":
		case "hundred":
			cur = max(cur, 1) * 100
		case "thousand", "million":
			total += max(cur, 1) * cardinals[w]
			cur = 0
		default:
			cur += cardinals[w]
		}
	}
	return total + cur
}

// winSet is a set of windows, a bit each.
type winSet uint32

func winOf(ws ...rules.Window) winSet {
	var s winSet
	for _, w := range ws {
		if w != 0 && w < 32 {
			s |= 1 << w
		}
	}
	return s
}

// windowSpans are the windows each sentence of a text names.
type windowSpans struct {
	ends    []int    // end offset of each sentence
	windows []winSet // the windows each names
}

// windowsOf finds the windows each sentence of s names, by name or in
// words ("last_7d", "the previous week", "yesterday").
func windowsOf(s string) windowSpans {
	var w windowSpans
	start := 0
	for _, end := range sentenceEnds(s) {
		var ws winSet
		for _, m := range windowWordsRE.FindAllStringSubmatchIndex(s[start:end], -1) {
			for g := range windowOfGroup {
				if m[2*(g+1)] >= 0 {
					ws |= winOf(windowOfGroup[g])
				}
			}
		}
		w.ends = append(w.ends, end)
		w.windows = append(w.windows, ws)
		start = end
	}
	return w
}

func (w windowSpans) at(i int) winSet {
	for k, end := range w.ends {
		if i < end {
			return w.windows[k]
		}
	}
	return 0
}

var sentenceEndRE = regexp.MustCompile(`[.!?](?:\s|$)|\n`)

// sentenceEnds returns the end offsets of the sentences of s, the last
// being len(s).
func sentenceEnds(s string) []int {
	var ends []int
	for _, m := range sentenceEndRE.FindAllStringIndex(s, -1) {
		ends = append(ends, m[1])
	}
	return append(ends, len(s))
}

// sentenceAt returns the index of the sentence of ends holding offset i.
func sentenceAt(ends []int, i int) int {
	for k, end := range ends {
		if i < end {
			return k
		}
	}
	return len(ends) - 1
}

func blank(s string) string { return strings.Repeat(" ", len(s)) }

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// isCurrencyCode reports whether s looks like an ISO 4217 code the
// prompt writes money with.
func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	switch s {
	case "CPA", "CPC", "CPM", "CTR", "ROI", "AOV", "LTV", "KPI", "ROAS":
		return false
	}
	return true
}

// candidate is a value a stated number may match: on the display scale,
// with its kind, what it is of, and how to describe it for reasons.
type candidate struct {
	v    float64 // absolute value
	sv   float64 // signed value
	kind kind
	// unsigned values come from text whose direction is in words ("CTR
	// down 9.6%"): a number may state them with either sign.
	unsigned bool
	// windows are the windows the value is measured over (two for a
	// change between windows); empty for settings, goals, the Input's
	// text and the reply's own numbers, which any sentence may state.
	windows winSet
	// ents are the entities the value is of ("" for the account); nEnts
	// 0 for goals and the reply's own numbers, of no entity.
	ents  [2]string
	nEnts int8
	// about are the metric families of the value; nil for numbers whose
	// family is unknown (an estimate), which any clause may state.
	about []string
	// desc describes the value; built on demand from the values of the
	// facts it compares (val, pair: indexes+1) and what.
	desc      string
	what      string
	val, pair int32
}

// pool is the values a part of a reply may state.
type pool struct {
	f      *facts
	tol    float64 // relative tolerance
	cands  []candidate
	sorted bool // cands are ordered by v (match sorts them once)
}

func newPool(f *facts, tol float64) *pool { return &pool{f: f, tol: tol} }

// add adds a value and returns it, for the caller to say what it is of
// (a nil pointer when v is not finite).
func (p *pool) add(v float64, k kind, desc string, about ...string) *candidate {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	p.cands = append(p.cands, candidate{v: math.Abs(v), sv: v, kind: k, desc: desc, about: about})
	p.sorted = false
	return &p.cands[len(p.cands)-1]
}

// of says which entities c is a value of (one or two).
func (c *candidate) of(a string, b ...string) *candidate {
	if c != nil {
		c.ents[0], c.nEnts = a, 1
		if len(b) > 0 {
			c.ents[1], c.nEnts = b[0], 2
		}
	}
	return c
}

// over says which windows c is measured over.
func (c *candidate) over(ws ...rules.Window) *candidate {
	if c != nil {
		c.windows |= winOf(ws...)
	}
	return c
}

// describe says what c is, for a reason.
func (p *pool) describe(c *candidate) string {
	if c.desc != "" || p.f == nil {
		return c.desc
	}
	f := p.f
	who := func(v *value) string { return cmp.Or(v.entity, "the account") + overWindow(windowName(v.window)) }
	switch {
	case c.pair != 0:
		a, b := &f.values[c.val-1], &f.values[c.pair-1]
		return c.what + " of " + a.metric + " of " + who(b) + " against " + who(a)
	case c.val != 0 && c.what == "":
		v := &f.values[c.val-1]
		return v.text + " (" + v.metric + " of " + who(v) + ")"
	case c.val != 0:
		v := &f.values[c.val-1]
		return v.metric + " of " + who(v) + " " + c.what
	}
	return c.what
}

// compatible says whether a number stated with marker s can be a value of
// kind c.
func compatible(s, c kind) bool {
	switch s {
	case kindPlain:
		return true
	case kindMoney:
		return c == kindMoney
	case kindPercent:
		return c == kindPercent
	case kindRatio:
		return c == kindRatio || c == kindPlain
	}
	return false
}

// match returns whether n matches a value of the pool: of a compatible
// kind and family, of an entity and window its sentence may speak of,
// of its sign when it has one, within the tolerance. Otherwise it
// returns the nearest such value, for the reason. The values are sorted
// once, and each reading looks only at those within its tolerance.
func (p *pool) match(n stated) (ok bool, nearest *candidate) {
	if !p.sorted {
		slices.SortFunc(p.cands, func(a, b candidate) int { return cmp.Compare(a.v, b.v) })
		p.sorted = true
	}
	usable := func(r reading, c *candidate) bool {
		if !compatible(r.kind, c.kind) || !related(n.about, c.about) || n.windows != 0 && c.windows != 0 && n.windows&c.windows == 0 {
			return false
		}
		if n.ents != nil {
			for _, e := range c.ents[:c.nEnts] {
				if !n.ents[e] {
					return false
				}
			}
		}
		return true
	}
	distance := func(r reading, c *candidate) float64 {
		if n.sign != 0 && !c.unsigned {
			return math.Abs(float64(n.sign)*r.v - c.sv)
		}
		return math.Abs(r.v - c.v)
	}
	readings := append([]reading{n.reading}, n.alts...)
	for _, r := range readings {
		// |c.v - r.v| <= max(r.half, tol*c.v) holds only for c.v in [lo, hi].
		lo := min(r.v-r.half, r.v/(1+p.tol)) - 1e-9
		hi := max(r.v+r.half, r.v/(1-p.tol)) + 1e-9
		i, _ := slices.BinarySearchFunc(p.cands, lo, func(c candidate, v float64) int { return cmp.Compare(c.v, v) })
		for ; i < len(p.cands) && p.cands[i].v <= hi; i++ {
			c := &p.cands[i]
			if !usable(r, c) {
				continue
			}
			allowed := math.Max(r.half, p.tol*c.v)
			if c.kind == kindPercent {
				allowed = r.half // a percent is stated to its digits: 36.2% is not 36.11%
			}
			if distance(r, c) <= allowed+1e-9 {
				return true, nil
			}
		}
	}
	// The nearest usable value, among the neighbours of each reading.
	best := math.Inf(1)
	for _, r := range readings {
		i, _ := slices.BinarySearchFunc(p.cands, r.v, func(c candidate, v float64) int { return cmp.Compare(c.v, v) })
		for j := max(0, i-64); j < min(len(p.cands), i+64); j++ {
			c := &p.cands[j]
			if d := distance(r, c); d < best && usable(r, c) {
				best, nearest = d, c
			}
		}
	}
	return false, nearest
}

// A clause is a stretch of text between punctuation (, ; : ( ) and a
// full stop that ends a sentence): the metrics it names are what its
// numbers are about ("ROAS 0.54 is below the 2.00 target" names roas and
// the target).
type clauses struct {
	ends []int      // end offset of each clause
	fams [][]string // the families each names
}

var digitsRE = regexp.MustCompile(`\d+`)

var linkCTRRE = regexp.MustCompile(`(?i)link[ -]?(?:ctr|click-through)`)

var clauseSepRE = regexp.MustCompile(`[,;:()\[\]\n]|[.!?](?:\s|$)|\s[-\x{2013}\x{2014}]\s`)

// families maps words of a clause to metric families. Each regexp runs
// only on a clause that holds one of its keys (lower case).
var families = []struct {
	keys   []string
	re     *regexp.Regexp
	family []string
}{
	{[]string{"roas", "return on"}, regexp.MustCompile(`(?i)\broas\b|return on ad spend`), []string{"roas"}},
	{[]string{"cpa", "cost per"}, regexp.MustCompile(`(?i)\bcpa\b|cost per (?:purchase|conversion|result|lead|acquisition)`), []string{"cpa"}},
	{[]string{"ctr", "click-through"}, regexp.MustCompile(`(?i)\bctr\b|click-through`), []string{"ctr", "link_ctr"}},
	{[]string{"cpm", "per thousand"}, regexp.MustCompile(`(?i)\bcpm\b|per thousand`), []string{"cpm"}},
	{[]string{"cpc", "cost per"}, regexp.MustCompile(`(?i)\bcpc\b|cost per (?:link )?click`), []string{"cpc"}},
	{[]string{"frequen"}, regexp.MustCompile(`(?i)frequen`), []string{"frequency"}},
	{[]string{"spen"}, regexp.MustCompile(`(?i)\bspen[dt]`), []string{"spend"}},
	{[]string{"profit", "los"}, regexp.MustCompile(`(?i)profit|\blos[est]|\blosing\b|\bloss`), []string{"profit"}},
	{[]string{"budget"}, regexp.MustCompile(`(?i)budget`), []string{"budget"}},
	{[]string{"conversion rate"}, regexp.MustCompile(`(?i)conversion rate`), []string{"conversion_rate"}},
	{[]string{"conversions", "purchases", "leads", "sales"}, regexp.MustCompile(`(?i)conversions\b|purchases\b|\bleads\b|\bsales\b`), []string{"conversions"}},
	{[]string{"revenue", "value"}, regexp.MustCompile(`(?i)\brevenue\b|conversion value|\bvalue\b`), []string{"conversion_value"}},
	{[]string{"impressions"}, regexp.MustCompile(`(?i)impressions`), []string{"impressions"}},
	{[]string{"reach"}, regexp.MustCompile(`(?i)\breach\b`), []string{"reach"}},
	{[]string{"target", "goal", "break"}, regexp.MustCompile(`(?i)target|\bgoal|break-even|breakeven`), []string{"target"}},
	{[]string{"margin"}, regexp.MustCompile(`(?i)\bmargin`), []string{"margin"}},
	{[]string{"share", "of the account"}, regexp.MustCompile(`(?i)\bshare\b|of the account`), []string{"share"}},
	{[]string{"hook"}, regexp.MustCompile(`(?i)\bhook`), []string{"hook_rate"}},
	{[]string{"hold"}, regexp.MustCompile(`(?i)\bhold\b`), []string{"hold_rate"}},
	{[]string{"engagement"}, regexp.MustCompile(`(?i)engagement`), []string{"engagement_rate"}},
	{[]string{"bid"}, regexp.MustCompile(`(?i)\bbid\b`), []string{"bid"}},
}

// clausesOf splits s into clauses and finds the families each names; a
// clause that names none takes those of the clause before it in the same
// sentence ("ROAS over last_7d: 0.54" is about ROAS).
func clausesOf(s string) clauses {
	var c clauses
	start := 0
	var inherit []string
	add := func(end int, sentenceEnd bool) {
		var fam []string
		part := s[start:end]
		if linkCTRRE.MatchString(part) {
			fam = append(fam, "link_ctr")
			part = linkCTRRE.ReplaceAllString(part, " ") // "link CTR" is not all-clicks CTR
		}
		part = digitsRE.ReplaceAllString(part, " ") // "ROAS0.84" names ROAS
		lower := strings.ToLower(part)
		for _, f := range families {
			if slices.ContainsFunc(f.keys, func(k string) bool { return strings.Contains(lower, k) }) && f.re.MatchString(part) {
				fam = append(fam, f.family...)
			}
		}
		if len(fam) == 0 {
			fam = inherit
		}
		inherit = fam
		if sentenceEnd {
			inherit = nil
		}
		c.ends = append(c.ends, end)
		c.fams = append(c.fams, fam)
		start = end
	}
	for _, m := range clauseSepRE.FindAllStringIndex(s, -1) {
		sep := s[m[0]:m[1]]
		add(m[1], sep[0] == '.' || sep[0] == '!' || sep[0] == '?' || sep[0] == '\n')
	}
	add(len(s), true)
	return c
}

// about returns the families of the clause holding offset i.
func (c clauses) about(i int) []string {
	for k, end := range c.ends {
		if i < end {
			return c.fams[k]
		}
	}
	return nil
}

// familyOf is the family of a metric, setting or goal of the facts.
func familyOf(metric string) []string {
	switch metric {
	case "cost_per_link_click":
		return []string{"cpc"}
	case "target_cpa":
		return []string{"cpa", "target"}
	case "target_roas", "break_even_roas":
		return []string{"roas", "target"}
	case "gross_margin":
		return []string{"margin", "target"}
	case "daily_budget", "lifetime_budget":
		return []string{"budget"}
	case "bid_amount":
		return []string{"bid", "budget"}
	}
	return []string{metric}
}

// related reports whether a number stated in a clause about the
// families of s can be a value of families c: a clause that names no
// metric may state any value, and a value of unknown family may be
// stated in any clause.
func related(s, c []string) bool {
	if len(s) == 0 || len(c) == 0 {
		return true
	}
	for _, x := range s {
		if slices.Contains(c, x) {
			return true
		}
	}
	return false
}

package llm

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
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

// stated is one number found in text.
type stated struct {
	text string  // as written ("41.20 USD")
	v    float64 // absolute value, on the display scale (major units, percent)
	half float64 // half a unit of its last digit: what rounding allows
	kind kind
	// about are the metric families its clause names ("roas", "cpa",
	// "target"); empty when the clause names none.
	about []string
}

var (
	numberRE = regexp.MustCompile(`([$€£¥]\s?)?([+\-−]?)(\d[\d,]*(?:\.\d+)?|\.\d+)(\s?(?:%|percentage points?|percent|pp\b|x\b|[kKM]\b|million\b|thousand\b|[A-Z]{3}\b))?`)
	dateRE   = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`)
	// windowRE matches window names, whose digits are not data.
	windowRE = regexp.MustCompile(`\b(?:last|previous|launch|baseline)_\d+d\b|\bday_\d\b`)
	// unitWords after a small integer make it a count of days or entities,
	// which the facts do not state as numbers ("the last 7 days", "3 ad sets").
	unitWordsRE = regexp.MustCompile(`^[\s-]?(?:days?|weeks?|months?|hours?|campaigns?|ad ?sets?|ads?|rules?|signals?|recommendations?|entities)\b`)
)

// numbersIn returns the numbers of s that state data: window names,
// ISO dates and words glued to digits ("v2", "p95", "act_1") are not
// numbers, and neither is a small integer counting days, weeks or
// entities. Dates are returned apart.
func numbersIn(s string) (nums []stated, dates []string) {
	s = windowRE.ReplaceAllStringFunc(s, blank)
	clauses := clausesOf(s)
	s = dateRE.ReplaceAllStringFunc(s, func(d string) string { dates = append(dates, d); return blank(d) })
	for _, m := range numberRE.FindAllStringSubmatchIndex(s, -1) {
		start, end := m[0], m[1]
		numStart, numEnd := m[6], m[7]
		if start > 0 {
			if prev := s[start-1]; isWordByte(prev) || prev == '.' {
				continue // part of a word or identifier ("act_123", "v2")
			}
		}
		suffix := ""
		if m[8] >= 0 {
			suffix = strings.TrimSpace(s[m[8]:m[9]])
		} else if numEnd < len(s) && isWordByte(s[numEnd]) {
			continue // glued to letters: "7d", "2nd", "p95x"
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
		if k == kindPlain && m[2] < 0 && v == math.Trunc(v) && v <= 31 && !strings.Contains(digits, ".") &&
			unitWordsRE.MatchString(s[numEnd:]) {
			continue
		}
		if k == kindPlain && start >= 4 && isCurrencyCode(strings.TrimSpace(s[start-4:start])) && (start == 4 || !isWordByte(s[start-5])) {
			k = kindMoney // "USD 41.20"
		}
		nums = append(nums, stated{text: strings.TrimSpace(s[start:end]), v: v, half: half, kind: k, about: clauses.about(numStart)})
	}
	return nums, dates
}

func blank(s string) string { return strings.Repeat(" ", len(s)) }

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
// with its kind and what it is, for reasons.
type candidate struct {
	v    float64
	kind kind
	desc string
	// about are the metric families of the value; nil for numbers whose
	// family is unknown (an estimate), which any clause may state.
	about []string
}

// pool is the values a part of a reply may state.
type pool struct {
	tol   float64 // relative tolerance
	cands []candidate
}

func (p *pool) add(v float64, k kind, desc string, about ...string) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	p.cands = append(p.cands, candidate{v: math.Abs(v), kind: k, desc: desc, about: about})
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

// match returns whether n matches a value of the pool, and otherwise the
// nearest compatible value for the reason.
func (p *pool) match(n stated) (ok bool, nearest *candidate) {
	best := math.Inf(1)
	for i := range p.cands {
		c := &p.cands[i]
		if !compatible(n.kind, c.kind) || !related(n.about, c.about) {
			continue
		}
		d := math.Abs(n.v - c.v)
		allowed := math.Max(n.half, p.tol*c.v)
		if c.kind == kindPercent {
			allowed = n.half // a percent is stated to its digits: 36.2% is not 36.11%
		}
		if d <= allowed+1e-9 {
			return true, nil
		}
		if d < best {
			best, nearest = d, c
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

var linkCTRRE = regexp.MustCompile(`(?i)link[ -]?(?:ctr|click-through)`)

var clauseSepRE = regexp.MustCompile(`[,;:()\[\]]|\.(?:\s|$)|\s[-\x{2013}\x{2014}]\s`)

// families maps words of a clause to metric families.
var families = []struct {
	re     *regexp.Regexp
	family []string
}{
	{regexp.MustCompile(`(?i)\broas\b|return on ad spend`), []string{"roas"}},
	{regexp.MustCompile(`(?i)\bcpa\b|cost per (?:purchase|conversion|result|lead|acquisition)`), []string{"cpa"}},
	{regexp.MustCompile(`(?i)\bctr\b|click-through`), []string{"ctr", "link_ctr"}},
	{regexp.MustCompile(`(?i)\bcpm\b|per thousand`), []string{"cpm"}},
	{regexp.MustCompile(`(?i)\bcpc\b|cost per (?:link )?click`), []string{"cpc"}},
	{regexp.MustCompile(`(?i)frequen`), []string{"frequency"}},
	{regexp.MustCompile(`(?i)\bspen[dt]`), []string{"spend"}},
	{regexp.MustCompile(`(?i)profit|\blos[est]|\blosing\b|\bloss`), []string{"profit"}},
	{regexp.MustCompile(`(?i)budget`), []string{"budget"}},
	{regexp.MustCompile(`(?i)conversion rate`), []string{"conversion_rate"}},
	{regexp.MustCompile(`(?i)conversions\b|purchases\b|\bleads\b|\bsales\b`), []string{"conversions"}},
	{regexp.MustCompile(`(?i)\brevenue\b|conversion value|\bvalue\b`), []string{"conversion_value"}},
	{regexp.MustCompile(`(?i)impressions`), []string{"impressions"}},
	{regexp.MustCompile(`(?i)\breach\b`), []string{"reach"}},
	{regexp.MustCompile(`(?i)target|\bgoal|break-even|breakeven`), []string{"target"}},
	{regexp.MustCompile(`(?i)\bmargin`), []string{"margin"}},
	{regexp.MustCompile(`(?i)\bshare\b|of the account`), []string{"share"}},
	{regexp.MustCompile(`(?i)\bhook`), []string{"hook_rate"}},
	{regexp.MustCompile(`(?i)\bhold\b`), []string{"hold_rate"}},
	{regexp.MustCompile(`(?i)engagement`), []string{"engagement_rate"}},
	{regexp.MustCompile(`(?i)\bbid\b`), []string{"bid"}},
}

func clausesOf(s string) clauses {
	var c clauses
	start := 0
	add := func(end int) {
		var fam []string
		part := s[start:end]
		if linkCTRRE.MatchString(part) {
			fam = append(fam, "link_ctr")
			part = linkCTRRE.ReplaceAllString(part, " ") // "link CTR" is not all-clicks CTR
		}
		for _, f := range families {
			if f.re.MatchString(part) {
				fam = append(fam, f.family...)
			}
		}
		c.ends = append(c.ends, end)
		c.fams = append(c.fams, fam)
		start = end
	}
	for _, m := range clauseSepRE.FindAllStringIndex(s, -1) {
		add(m[1])
	}
	add(len(s))
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

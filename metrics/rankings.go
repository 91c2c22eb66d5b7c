package metrics

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnknownRanking is returned (wrapped) by [ParseRanking] for a string
// that is not one of Meta's ranking values.
var ErrUnknownRanking = errors.New("metrics: unknown ranking")

// Ranking is one of Meta's ad relevance diagnostics (quality_ranking,
// engagement_rate_ranking, conversion_rate_ranking): how an ad compares
// with ads competing for the same audience. Known rankings are ordered
// from worst to best, so a < b means a is worse; RankingUnknown (not
// enough data, typically under ~500 impressions) has no score and must
// not be compared (use [Ranking.Score]).
type Ranking uint8

// Ranking values. The zero Ranking is RankingUnknown.
const (
	RankingUnknown        Ranking = iota // UNKNOWN: not enough data; no score
	RankingBelowAverage10                // BELOW_AVERAGE_10: bottom 10%; score 1
	RankingBelowAverage20                // BELOW_AVERAGE_20: bottom 20%; score 2
	RankingBelowAverage35                // BELOW_AVERAGE_35: bottom 35%; score 3
	RankingAverage                       // AVERAGE; score 4
	RankingAboveAverage                  // ABOVE_AVERAGE; score 5
)

var rankingNames = [...]string{
	RankingUnknown:        "UNKNOWN",
	RankingBelowAverage10: "BELOW_AVERAGE_10",
	RankingBelowAverage20: "BELOW_AVERAGE_20",
	RankingBelowAverage35: "BELOW_AVERAGE_35",
	RankingAverage:        "AVERAGE",
	RankingAboveAverage:   "ABOVE_AVERAGE",
}

// ParseRanking parses Meta's ranking string (case and surrounding space
// ignored). It returns an error wrapping [ErrUnknownRanking] for any other
// string, including "" (Meta omits the field rather than sending it
// empty); the caller decides whether that means RankingUnknown.
func ParseRanking(s string) (Ranking, error) {
	norm := strings.ToUpper(strings.TrimSpace(s))
	for r, name := range rankingNames {
		if name == norm {
			return Ranking(r), nil
		}
	}
	return RankingUnknown, fmt.Errorf("%w: %q (want ABOVE_AVERAGE, AVERAGE, BELOW_AVERAGE_35, BELOW_AVERAGE_20, BELOW_AVERAGE_10 or UNKNOWN)", ErrUnknownRanking, s)
}

// String returns Meta's name of r, such as "BELOW_AVERAGE_20".
func (r Ranking) String() string {
	if int(r) < len(rankingNames) {
		return rankingNames[r]
	}
	return fmt.Sprintf("Ranking(%d)", uint8(r))
}

// Score returns the ordinal score of r: 1 for BELOW_AVERAGE_10 up to 5 for
// ABOVE_AVERAGE. ok is false for RankingUnknown and invalid values, which
// have no score (never treat them as 0).
func (r Ranking) Score() (int, bool) {
	if r == RankingUnknown || int(r) >= len(rankingNames) {
		return 0, false
	}
	return int(r), true
}

// Known reports whether r is a ranking with a score.
func (r Ranking) Known() bool {
	_, ok := r.Score()
	return ok
}

// BelowAverage reports whether r is one of the BELOW_AVERAGE_* values.
func (r Ranking) BelowAverage() bool {
	return r >= RankingBelowAverage10 && r <= RankingBelowAverage35
}

// MarshalText returns Meta's name of r; it fails for invalid values.
func (r Ranking) MarshalText() ([]byte, error) {
	if int(r) >= len(rankingNames) {
		return nil, fmt.Errorf("%w: Ranking(%d)", ErrUnknownRanking, uint8(r))
	}
	return []byte(rankingNames[r]), nil
}

// UnmarshalText parses Meta's name with [ParseRanking].
func (r *Ranking) UnmarshalText(b []byte) error {
	v, err := ParseRanking(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// Rankings holds an ad's three relevance diagnostics.
type Rankings struct {
	Quality        Ranking `json:"quality,omitzero"`         // quality_ranking
	EngagementRate Ranking `json:"engagement_rate,omitzero"` // engagement_rate_ranking
	ConversionRate Ranking `json:"conversion_rate,omitzero"` // conversion_rate_ranking
}

// ParseRankings parses the three ranking strings of an insights row. An
// empty string gives RankingUnknown (Meta omits rankings it has not
// computed); any other unrecognised string is an error naming the field.
func ParseRankings(quality, engagementRate, conversionRate string) (Rankings, error) {
	var out Rankings
	for _, f := range []struct {
		name string
		in   string
		dst  *Ranking
	}{
		{"quality_ranking", quality, &out.Quality},
		{"engagement_rate_ranking", engagementRate, &out.EngagementRate},
		{"conversion_rate_ranking", conversionRate, &out.ConversionRate},
	} {
		if strings.TrimSpace(f.in) == "" {
			continue
		}
		r, err := ParseRanking(f.in)
		if err != nil {
			return Rankings{}, fmt.Errorf("%s: %w", f.name, err)
		}
		*f.dst = r
	}
	return out, nil
}

// Diagnosis returns Meta's suggested focus for an ad from its rankings,
// following Meta's guidance on using the diagnostics: "creative" when
// quality is below average (improve the creative or targeting),
// "engagement" when only engagement is below average (make the ad more
// relevant), "post-click" when quality and engagement are at least
// average but conversion is below (call to action, landing page, audience
// intent), and "" when nothing is below average or data is missing.
func (r Rankings) Diagnosis() string {
	switch {
	case r.Quality.BelowAverage():
		return "creative"
	case r.EngagementRate.BelowAverage():
		return "engagement"
	case r.Quality.Known() && r.EngagementRate.Known() && r.ConversionRate.BelowAverage():
		return "post-click"
	}
	return ""
}

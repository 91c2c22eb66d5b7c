package metrics

import "fmt"

// Level is a level of the Meta ad hierarchy: an ad account holds
// campaigns, a campaign holds ad sets and an ad set holds ads. The values
// are the Marketing API's spellings ("adset", not "ad_set"), which are
// also the spellings of insights queries and rule specs, so a Level
// encodes to JSON and to query parameters as itself. The zero Level is
// not a level (an insights query reads it as "the level of the object
// queried").
type Level string

// The levels, outermost first.
const (
	LevelAccount  Level = "account"
	LevelCampaign Level = "campaign"
	LevelAdSet    Level = "adset"
	LevelAd       Level = "ad"
)

// Levels returns the four levels, outermost first.
func Levels() []Level { return []Level{LevelAccount, LevelCampaign, LevelAdSet, LevelAd} }

// ParseLevel parses "account", "campaign", "adset" or "ad". It returns an
// error naming the input for anything else.
func ParseLevel(s string) (Level, error) {
	if l := Level(s); l.Valid() {
		return l, nil
	}
	return "", fmt.Errorf("metrics: unknown level %q; expected \"account\", \"campaign\", \"adset\" or \"ad\"", s)
}

// Valid reports whether l is one of the four levels.
func (l Level) Valid() bool { return l.Depth() >= 0 }

// Depth returns the position of l in the hierarchy: 0 for the account, 1
// for campaigns, 2 for ad sets, 3 for ads, and -1 for anything else. A
// smaller depth contains the larger ones.
func (l Level) Depth() int {
	switch l {
	case LevelAccount:
		return 0
	case LevelCampaign:
		return 1
	case LevelAdSet:
		return 2
	case LevelAd:
		return 3
	}
	return -1
}

// String returns the level's name ("adset").
func (l Level) String() string { return string(l) }

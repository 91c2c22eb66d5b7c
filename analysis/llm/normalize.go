package llm

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// normalize rewrites text of a reply (and of the Input, so both compare
// alike) into the ASCII forms the checks read, so that a number or an
// instruction cannot hide behind another script: invisible format
// characters (zero-width spaces and joiners, soft hyphens, direction
// marks) and combining marks are removed; every space and line separator
// becomes a space or a newline; decimal digits of every script
// ("٠.٨٤", "０.８４") become ASCII digits; fullwidth forms become ASCII;
// minus signs and hyphens become '-', the Arabic decimal and thousands
// separators '.' and ','; and Cyrillic, Greek and mathematical letters
// that look like Latin ones become those ("pаuse" with a Cyrillic а).
// Other numeric characters (½, ², Ⅻ) are kept, for the number check to
// refuse ([oddNumber]).
func normalize(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case r == utf8.RuneError:
			b.WriteByte(' ')
		case unicode.In(r, unicode.Cf, unicode.Mn, unicode.Me):
			// invisible: dropped
		case r == '\u2028' || r == '\u2029' || r == '\u0085':
			b.WriteByte('\n')
		case unicode.IsSpace(r) || unicode.Is(unicode.Zs, r):
			b.WriteByte(' ')
		case unicode.Is(unicode.Nd, r):
			b.WriteByte(byte('0' + digitValue(r)))
		case r >= 0xFF01 && r <= 0xFF5E: // fullwidth ASCII
			b.WriteRune(r - 0xFEE0)
		case r >= 0x1D400 && r <= 0x1D6A3: // mathematical letters: bold, italic, script, ...
			i := (r - 0x1D400) % 52
			if i < 26 {
				b.WriteRune('A' + i)
			} else {
				b.WriteRune('a' + i - 26)
			}
		default:
			if m, ok := lookalike[r]; ok {
				b.WriteRune(m)
			} else {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// digitValue is the value of a decimal digit of any script: Unicode keeps
// each script's digits 0 to 9 in a run that starts at a multiple of ten
// from the run's start, so the value is the distance from the run's zero.
func digitValue(r rune) int {
	for _, rg := range unicode.Nd.R16 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10
		}
	}
	return 0
}

// lookalike maps characters that read as ASCII to it: dashes and minus
// signs, decimal separators, the multiplication sign, and the Cyrillic
// and Greek letters that look like Latin ones.
var lookalike = map[rune]rune{
	'\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2212': '-', '\uFE63': '-', '\u2043': '-',
	'\u066B': '.', '\u066C': ',', '\u2024': '.', '\u00D7': 'x',
	'\u2018': '\'', '\u2019': '\'', '\u201C': '"', '\u201D': '"',
	// Cyrillic
	'а': 'a', 'е': 'e', 'о': 'o', 'р': 'p', 'с': 'c', 'у': 'y', 'х': 'x', 'і': 'i', 'ѕ': 's', 'ј': 'j', 'ԁ': 'd', 'ӏ': 'l', 'һ': 'h', 'ԛ': 'q', 'ԝ': 'w',
	'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O', 'Р': 'P', 'С': 'C', 'Т': 'T', 'Х': 'X', 'І': 'I', 'Ѕ': 'S', 'Ј': 'J',
	// Greek
	'α': 'a', 'ε': 'e', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't', 'υ': 'u', 'χ': 'x',
	'Α': 'A', 'Β': 'B', 'Ε': 'E', 'Ζ': 'Z', 'Η': 'H', 'Ι': 'I', 'Κ': 'K', 'Μ': 'M', 'Ν': 'N', 'Ο': 'O', 'Ρ': 'P', 'Τ': 'T', 'Υ': 'Y', 'Χ': 'X',
}

// oddNumber returns the first numeric character of s other than an ASCII
// digit (after [normalize]: a vulgar fraction, a superscript, a Roman
// numeral, a circled digit), or 0.
func oddNumber(s string) rune {
	for _, r := range s {
		if r >= utf8.RuneSelf && unicode.IsNumber(r) {
			return r
		}
	}
	return 0
}

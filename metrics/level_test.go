package metrics

import (
	"encoding/json"
	"testing"
)

func TestLevel(t *testing.T) {
	for i, l := range Levels() {
		if l.Depth() != i {
			t.Errorf("%s.Depth() = %d, want %d", l, l.Depth(), i)
		}
		got, err := ParseLevel(string(l))
		if err != nil || got != l {
			t.Errorf("ParseLevel(%q) = %q, %v", l, got, err)
		}
	}
	for _, s := range []string{"", "ad_set", "AdSet", "Campaign", "ads"} {
		if _, err := ParseLevel(s); err == nil {
			t.Errorf("ParseLevel(%q) succeeded", s)
		}
		if Level(s).Valid() || Level(s).Depth() != -1 {
			t.Errorf("Level(%q) is valid", s)
		}
	}
	b, err := json.Marshal(struct{ L Level }{LevelAdSet})
	if err != nil || string(b) != `{"L":"adset"}` {
		t.Errorf("JSON = %s, %v", b, err)
	}
}

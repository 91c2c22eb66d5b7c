package rules

import (
	"fmt"
	"io"
	"strings"
)

// WriteText writes the evaluation for people: one block per decision with
// its summary, its evidence and its safeguards.
func (ev *Evaluation) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "evaluation at %s: %d decisions\n", ev.Now.Format("2006-01-02 15:04 MST"), len(ev.Decisions))
	for i := range ev.Decisions {
		d := &ev.Decisions[i]
		b.WriteString("\n")
		b.WriteString(d.Summary())
		b.WriteString("\n  id ")
		b.WriteString(d.ID)
		b.WriteString(", class ")
		b.WriteString(d.Class.String())
		b.WriteString("\n")
		if d.Message != "" {
			b.WriteString("  message: ")
			b.WriteString(d.Message)
			b.WriteString("\n")
		}
		b.WriteString("  evidence:\n")
		for _, e := range d.Evidence {
			b.WriteString(strings.Repeat("  ", e.Depth+2))
			fmt.Fprintf(&b, "[%s] %s\n", e.Result, e.Text)
		}
		if len(d.Safeguards) > 0 {
			b.WriteString("  safeguards:\n")
			for _, c := range d.Safeguards {
				mark := "pass"
				if !c.Passed {
					mark = "BLOCK"
				}
				fmt.Fprintf(&b, "    [%s] %s: %s\n", mark, c.Name, c.Detail)
			}
		}
	}
	writeCoverage(&b, ev.Coverage)
	_, err := io.WriteString(w, b.String())
	return err
}

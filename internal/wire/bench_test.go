package wire

import "testing"

var numericRow = []byte(`{"impressions":"18841","frequency":"1.565647","spend":"123.45","ctr":"2.186721","actions":[{"action_type":"link_click","value":"301"}]}`)

// walkRow reads numericRow the way the insights decoder does.
func walkRow(r *Reader) (n int64, f float64, d Decimal) {
	r.Reset(numericRow)
	r.BeginObject()
	for {
		k, ok := r.Key()
		if !ok {
			break
		}
		switch string(k) {
		case "impressions":
			n = r.Int64()
		case "frequency", "ctr":
			f += r.Float64()
		case "spend":
			d = r.Decimal()
		default:
			r.Skip()
		}
	}
	return
}

func TestReaderDoesNotAllocate(t *testing.T) {
	var r Reader
	allocs := testing.AllocsPerRun(100, func() { walkRow(&r) })
	if allocs != 0 {
		t.Errorf("walking a row allocates %v times; want 0", allocs)
	}
	if n, _, d := walkRow(&r); n != 18841 || d != (Decimal{12345, 2}) || r.Err() != nil {
		t.Errorf("walk: %d %v %v", n, d, r.Err())
	}
	for _, in := range []string{"123", "1.565647", "123.45"} {
		b := []byte(in)
		if a := testing.AllocsPerRun(100, func() { _, _ = ParseFloat(b); _, _ = ParseDecimal(b) }); a != 0 {
			t.Errorf("parsing %s allocates %v times", in, a)
		}
	}
}

func BenchmarkReaderRow(b *testing.B) {
	var r Reader
	b.SetBytes(int64(len(numericRow)))
	b.ReportAllocs()
	for b.Loop() {
		walkRow(&r)
	}
}

func BenchmarkParse(b *testing.B) {
	for _, c := range []struct{ name, in string }{{"int", "18841"}, {"float", "1.565647"}, {"decimal", "5339.50"}} {
		in := []byte(c.in)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				switch c.name {
				case "int":
					_, _ = ParseInt(in)
				case "float":
					_, _ = ParseFloat(in)
				default:
					_, _ = ParseDecimal(in)
				}
			}
		})
	}
}

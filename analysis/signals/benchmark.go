package signals

type BenchmarkTable struct{}

func DefaultBenchmarks() *BenchmarkTable       { return &BenchmarkTable{} }
func (t *BenchmarkTable) Validate() error      { return nil }
func (t *BenchmarkTable) Industries() []string { return nil }

package cluster

// URLForTest is the database URL the fan-out listens on.
func (f *Fanout) URLForTest() string { return f.o.URL }

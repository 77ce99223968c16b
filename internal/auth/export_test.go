package auth

// SetKeep lowers the counter bound, so a test can reach it.
func (t *Throttle) SetKeep(n int) { t.keep = n }

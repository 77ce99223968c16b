//go:build !unix

package sunmilan

import "syscall"

func allowBroadcast(_, _ string, _ syscall.RawConn) error { return nil }

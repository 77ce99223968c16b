//go:build unix

package sunmilan

import "syscall"

// allowBroadcast sets SO_BROADCAST, without which a send to
// 255.255.255.255 is refused.
func allowBroadcast(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_BROADCAST, 1)
	})
	if err != nil {
		return err
	}
	return serr
}

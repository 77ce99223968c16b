package connectors_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"storelens/internal/connectors/edge"
)

func statKey(dir string) (fs.FileMode, error) {
	fi, err := os.Stat(filepath.Join(dir, edge.KeyFile))
	if err != nil {
		return 0, err
	}
	return fi.Mode().Perm(), nil
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

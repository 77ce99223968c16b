package main

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"storelens/internal/models/modelstest"
)

// privateCluster is a PostgreSQL cluster of one test's own (Debian's
// binaries, initdb in a temporary directory, a unix socket only), so the
// test may restart it without disturbing the suite's shared one.
type privateCluster struct {
	bin, dir string
	as       []string // runuser -u postgres -- when run as root
}

func newPrivateCluster(t *testing.T) *privateCluster {
	t.Helper()
	bin := ""
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		bin = strings.TrimSpace(string(out))
	}
	if _, err := os.Stat(filepath.Join(bin, "initdb")); bin == "" || err != nil {
		dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
		sort.Strings(dirs)
		if len(dirs) == 0 {
			t.Skip("no PostgreSQL binaries (apt-get install postgresql)")
		}
		bin = dirs[len(dirs)-1]
	}
	c := &privateCluster{bin: bin}
	dir, err := os.MkdirTemp("/tmp", "slpg-") // short: the socket path
	if err != nil {
		t.Fatal(err)
	}
	c.dir = dir
	os.Chmod(dir, 0o755)
	if os.Geteuid() == 0 {
		c.as = []string{"runuser", "-u", "postgres", "--"}
		if err := exec.Command("chown", "postgres", dir).Run(); err != nil {
			t.Skipf("no postgres user to run PostgreSQL as: %v", err)
		}
	}
	t.Cleanup(func() {
		c.ctl("-m", "immediate", "stop")
		os.RemoveAll(dir)
	})
	if out, err := c.run(filepath.Join(bin, "initdb"), "-D", filepath.Join(dir, "data"), "-U", "storelens_test", "--auth=trust",
		"-E", "UTF8", "--locale=C.UTF-8"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	if out, err := c.ctl("start"); err != nil {
		t.Fatalf("pg_ctl start: %v\n%s", err, out)
	}
	return c
}

func (c *privateCluster) run(name string, args ...string) ([]byte, error) {
	argv := append(append(append([]string(nil), c.as...), name), args...)
	return exec.Command(argv[0], argv[1:]...).CombinedOutput()
}

func (c *privateCluster) ctl(args ...string) ([]byte, error) {
	base := []string{"-D", filepath.Join(c.dir, "data"), "-l", filepath.Join(c.dir, "server.log"), "-w", "-t", "60",
		"-o", "-c listen_addresses='' -k " + c.dir + " -c fsync=off -c max_connections=100"}
	return c.run(filepath.Join(c.bin, "pg_ctl"), append(base, args...)...)
}

func (c *privateCluster) url() string { return "postgres://storelens_test@/postgres?host=" + c.dir }

// Restart PostgreSQL under load: a server instance takes webhook posts, four
// at a time, while the database restarts; the instance recovers by itself
// (it answers /readyz and stores posts again without a restart of its own)
// and every post it acknowledged, before, during or after, is stored once.
func TestPostgresRestartUnderLoad(t *testing.T) {
	if modelstest.PostgresURL() == "" {
		t.Skip("the PostgreSQL suite's (scripts/pgtest.sh); it starts a cluster of its own to restart")
	}
	if testing.Short() {
		t.Skip("starts PostgreSQL and a server process")
	}
	pg := newPrivateCluster(t)
	cl := newClusterFixture(t, pg.url())
	a := cl.start("A")

	var mu sync.Mutex
	ack := map[int64]bool{}
	refused := 0
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				id, status, err := cl.postTo(a)
				mu.Lock()
				if err == nil && status == http.StatusOK {
					ack[id] = true
				} else {
					refused++ // the camera would send it again
				}
				mu.Unlock()
				if err != nil || status != http.StatusOK {
					time.Sleep(20 * time.Millisecond)
				}
			}
		})
	}
	nAcked := func() int { mu.Lock(); defer mu.Unlock(); return len(ack) }
	waitUntil(t, time.Minute, "200 acknowledged posts", func() bool { return nAcked() >= 200 })
	restartAt := time.Now()
	if out, err := pg.ctl("-m", "fast", "restart"); err != nil {
		t.Fatalf("pg_ctl restart: %v\n%s", err, out)
	}
	up := time.Since(restartAt)
	before := nAcked()
	waitUntil(t, time.Minute, "posts acknowledged again after the restart", func() bool { return nAcked() >= before+200 })
	recovered := time.Since(restartAt)
	close(stop)
	wg.Wait()
	res, err := http.Get(a.base + "/readyz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("readyz after the restart: %v %v", res, err)
	}
	res.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	if bad := cl.storedOnce(ack); len(bad) > 0 {
		t.Fatalf("%d of %d acknowledged posts not stored once: %v", len(bad), len(ack), bad[:min(len(bad), 10)])
	}
	t.Logf("PostgreSQL restarted in %v; posts acknowledged again %v after the restart began; %d acknowledged, all stored once; %d refused or failed meanwhile",
		up.Round(time.Millisecond), recovered.Round(time.Millisecond), len(ack), refused)
}

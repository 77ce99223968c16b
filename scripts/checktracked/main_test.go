package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// repo makes a git repository in a temporary directory with files (path ->
// content), committed; exec marks paths that get the executable bit.
func repo(t *testing.T, files map[string][]byte, exec_ ...string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null",
			"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.invalid",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.invalid")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	run("init", "-q")
	for p, b := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run("add", "-A")
	for _, p := range exec_ {
		run("update-index", "--chmod=+x", p)
	}
	run("commit", "-q", "-m", "files")
	return dir
}

func reasons(problems []Problem) map[string]string {
	m := map[string]string{}
	for _, p := range problems {
		m[p.Path] += p.Reason + ";"
	}
	return m
}

func TestCheckRefusesExecutablesAndLargeFiles(t *testing.T) {
	elf, err := os.ReadFile("/bin/true")
	if err != nil || !bytes.HasPrefix(elf, []byte("\x7fELF")) {
		t.Skip("no ELF /bin/true to commit")
	}
	pe := make([]byte, 256)
	copy(pe, "MZ")
	pe[0x3c] = 0x80
	copy(pe[0x80:], "PE\x00\x00")
	big := bytes.Repeat([]byte("0123456789abcdef"), 3<<20/16) // 3 MB of text
	dir := repo(t, map[string][]byte{
		"README.md":           []byte("# hello\n"),
		"bin/tool":            elf,
		"tool.exe":            pe,
		"lib.wasm":            []byte("\x00asm\x01\x00\x00\x00"),
		"macho":               {0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1},
		"data/big.txt":        big,
		"run.sh":              []byte("#!/bin/sh\necho ok\n"),
		"notes.txt":           []byte("not a script\n"),
		"MZ.txt":              []byte("MZ is how this note starts, and it is text.\n"),
		"scripts/allow.txt":   []byte("# none\n"),
		"testdata/clip.flv":   big,
		"testdata/small.jpeg": {0xff, 0xd8, 0xff, 0xe0},
	}, "run.sh", "notes.txt")
	got := reasons(mustCheck(t, dir, "scripts/allow.txt"))
	want := map[string]string{
		"bin/tool":          "binary executable (ELF)",
		"tool.exe":          "binary executable (PE/COFF)",
		"lib.wasm":          "binary executable (WebAssembly)",
		"macho":             "binary executable (Mach-O)",
		"data/big.txt":      "over the 2097152-byte limit",
		"testdata/clip.flv": "over the 2097152-byte limit",
		"notes.txt":         "executable bit set on a file that is not a #! script",
	}
	for p, w := range want {
		if !strings.Contains(got[p], w) {
			t.Errorf("%s: got %q, want it to say %q", p, got[p], w)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("%s refused but should pass: %s", p, got[p])
		}
	}
}

func TestCheckAllowList(t *testing.T) {
	big := bytes.Repeat([]byte{0x47, 1, 2, 3}, 3<<20/4) // a 3 MB "clip"
	elf, err := os.ReadFile("/bin/true")
	if err != nil {
		t.Skip("no /bin/true")
	}
	allow := "# clips\ntestdata/clip.ts\n\nbin/true\n"
	dir := repo(t, map[string][]byte{
		"testdata/clip.ts": big,
		"bin/true":         elf,
		"allow.txt":        []byte(allow),
		"main.go":          []byte("package main\n"),
	})
	got := reasons(mustCheck(t, dir, "allow.txt"))
	if got["testdata/clip.ts"] != "" {
		t.Errorf("allow-listed clip refused: %s", got["testdata/clip.ts"])
	}
	if !strings.Contains(got["bin/true"], "binary executable") {
		t.Errorf("an allow-listed executable must still be refused; got %q", got["bin/true"])
	}
	if len(got) != 1 {
		t.Errorf("want only bin/true refused, got %v", got)
	}

	// A line naming a file git does not track is refused.
	dir = repo(t, map[string][]byte{"allow.txt": []byte("gone.flv\n"), "a.txt": []byte("a\n")})
	got = reasons(mustCheck(t, dir, "allow.txt"))
	if !strings.Contains(got["allow.txt"], "gone.flv") || len(got) != 1 {
		t.Errorf("stale allow-list line: got %v", got)
	}
}

func TestCheckCleanRepository(t *testing.T) {
	dir := repo(t, map[string][]byte{
		"go.mod":        []byte("module x\n"),
		"main.go":       []byte("package main\nfunc main() {}\n"),
		"ci/run":        []byte("#!/usr/bin/env bash\nset -e\n"),
		"photo.png":     append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 1<<20)...),
		"exactly-2MB":   make([]byte, MaxBytes),
		"empty":         nil,
		"dir/space in":  []byte("x"),
		"dir/ünïcødé.t": []byte("y"),
	}, "ci/run")
	if p := mustCheck(t, dir, "scripts/tracked-allow.txt"); len(p) != 0 {
		t.Fatalf("clean repository refused: %v", p)
	}
}

// TestCheckThisRepository runs the check on the repository the test is in,
// so `make test` refuses a committed build output as CI does.
func TestCheckThisRepository(t *testing.T) {
	out, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Skip("not inside a git work tree")
	}
	root := strings.TrimSpace(string(out))
	if p := mustCheck(t, root, "scripts/tracked-allow.txt"); len(p) != 0 {
		t.Fatalf("this repository tracks files it should not:\n%v", p)
	}
}

func mustCheck(t *testing.T, dir, allow string) []Problem {
	t.Helper()
	p, err := Check(dir, allow)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExecutableKind(t *testing.T) {
	for _, c := range []struct {
		head []byte
		want string
	}{
		{[]byte("\x7fELF\x02\x01\x01"), "ELF"},
		{[]byte{0xfe, 0xed, 0xfa, 0xce}, "Mach-O"},
		{[]byte{0xca, 0xfe, 0xba, 0xbe}, "Mach-O"},
		{[]byte("MZ"), ""},
		{[]byte("#!/bin/sh\n"), ""},
		{[]byte("\x89PNG\r\n\x1a\n"), ""},
		{nil, ""},
	} {
		if got := executableKind(c.head); got != c.want {
			t.Errorf("executableKind(%q) = %q, want %q", c.head, got, c.want)
		}
	}
}

// Command checktracked fails when the repository tracks a build output: a
// binary executable (ELF, Mach-O, PE/COFF, WebAssembly), a file with the
// executable bit that is not a "#!" script, or a file larger than 2 MB that
// the allow-list does not name (committed test clips and photos).
//
//	go run ./scripts/checktracked [-allow scripts/tracked-allow.txt] [-C dir]
//
// It reads what git has staged (the index), not the work tree, so what it
// passes is what a commit holds. Each refused file is printed with why; the
// exit status is 1 when there is any.
package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// MaxBytes is the largest tracked file not on the allow-list.
const MaxBytes = 2 << 20

// headBytes is how much of each file is kept to recognise its kind.
const headBytes = 4096

func main() {
	dir := flag.String("C", ".", "the repository to check")
	allow := flag.String("allow", "scripts/tracked-allow.txt", "allow-list of large files (relative to -C)")
	flag.Parse()
	problems, err := Check(*dir, *allow)
	if err != nil {
		fmt.Fprintln(os.Stderr, "checktracked:", err)
		os.Exit(2)
	}
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(os.Stderr, "checktracked: %d tracked file(s) refused: remove them from git (git rm --cached), "+
			"add build outputs to .gitignore, or name a committed test clip or photo in %s\n", len(problems), *allow)
		os.Exit(1)
	}
	fmt.Println("checktracked: no binary executables and no file over 2 MB outside the allow-list")
}

// Problem is one refused file.
type Problem struct {
	Path   string
	Reason string
}

func (p Problem) String() string { return p.Path + ": " + p.Reason }

// entry is one file of the index.
type entry struct {
	mode, object, path string
}

// Check lists the files git tracks in dir and returns those it refuses.
// allowFile is relative to dir; a missing allow-list allows nothing, and
// an allow-list line naming a file git does not track is itself a problem
// (the list stays a list of what is there).
func Check(dir, allowFile string) ([]Problem, error) {
	entries, err := lsFiles(dir)
	if err != nil {
		return nil, err
	}
	allowed, err := readAllow(filepath.Join(dir, allowFile))
	if err != nil {
		return nil, err
	}
	var problems []Problem
	tracked := map[string]bool{}
	var blobs []entry
	for _, e := range entries {
		tracked[e.path] = true
		switch e.mode {
		case "100644", "100755":
			blobs = append(blobs, e)
		case "120000", "160000": // symbolic link, submodule: no content here
		default:
			problems = append(problems, Problem{e.path, "unexpected git mode " + e.mode})
		}
	}
	infos, err := catBlobs(dir, blobs)
	if err != nil {
		return nil, err
	}
	for i, e := range blobs {
		size, head := infos[i].size, infos[i].head
		if kind := executableKind(head); kind != "" {
			problems = append(problems, Problem{e.path, "binary executable (" + kind + ")"})
		} else if e.mode == "100755" && !bytes.HasPrefix(head, []byte("#!")) {
			problems = append(problems, Problem{e.path, "executable bit set on a file that is not a #! script"})
		}
		if size > MaxBytes && !allowed[e.path] {
			problems = append(problems, Problem{e.path, fmt.Sprintf("%d bytes, over the %d-byte limit and not in the allow-list", size, MaxBytes)})
		}
	}
	var stale []string
	for p := range allowed {
		if !tracked[p] {
			stale = append(stale, p)
		}
	}
	sort.Strings(stale)
	for _, p := range stale {
		problems = append(problems, Problem{allowFile, "names " + p + ", which git does not track: remove the line"})
	}
	return problems, nil
}

func git(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Stderr = os.Stderr
	return cmd
}

// lsFiles is `git ls-files -s -z`: mode, object, stage and path of each file.
func lsFiles(dir string) ([]entry, error) {
	out, err := git(dir, "ls-files", "-s", "-z").Output()
	if err != nil {
		return nil, fmt.Errorf("git ls-files: %w", err)
	}
	var entries []entry
	for _, rec := range bytes.Split(out, []byte{0}) {
		if len(rec) == 0 {
			continue
		}
		meta, path, ok := bytes.Cut(rec, []byte{'\t'})
		f := strings.Fields(string(meta))
		if !ok || len(f) != 3 {
			return nil, fmt.Errorf("git ls-files: unreadable line %q", rec)
		}
		entries = append(entries, entry{mode: f[0], object: f[1], path: string(path)})
	}
	return entries, nil
}

type blobInfo struct {
	size int64
	head []byte
}

// catBlobs reads each blob's size and first bytes with one `git cat-file
// --batch`, in the order given.
func catBlobs(dir string, blobs []entry) ([]blobInfo, error) {
	cmd := git(dir, "cat-file", "--batch")
	var in bytes.Buffer
	for _, b := range blobs {
		in.WriteString(b.object + "\n")
	}
	cmd.Stdin = &in
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	r := bufio.NewReaderSize(stdout, 64<<10)
	infos := make([]blobInfo, 0, len(blobs))
	var readErr error
	for _, b := range blobs {
		line, err := r.ReadString('\n')
		if err != nil {
			readErr = fmt.Errorf("git cat-file: %s: %w", b.path, err)
			break
		}
		f := strings.Fields(line) // <object> <type> <size>, or <object> missing
		if len(f) != 3 {
			readErr = fmt.Errorf("git cat-file: %s: %q", b.path, strings.TrimSpace(line))
			break
		}
		size, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			readErr = fmt.Errorf("git cat-file: %s: size %q", b.path, f[2])
			break
		}
		head := make([]byte, min(size, headBytes))
		if _, err := io.ReadFull(r, head); err != nil {
			readErr = fmt.Errorf("git cat-file: %s: %w", b.path, err)
			break
		}
		if _, err := io.CopyN(io.Discard, r, size-int64(len(head))+1); err != nil { // the rest and the newline
			readErr = fmt.Errorf("git cat-file: %s: %w", b.path, err)
			break
		}
		infos = append(infos, blobInfo{size: size, head: head})
	}
	if readErr != nil {
		_ = cmd.Process.Kill()
	}
	if err := cmd.Wait(); err != nil && readErr == nil {
		readErr = fmt.Errorf("git cat-file: %w", err)
	}
	return infos, readErr
}

// readAllow reads the allow-list: one repository path a line; blank lines
// and lines starting with # are ignored.
func readAllow(path string) (map[string]bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, err
	}
	allowed := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		allowed[filepath.ToSlash(line)] = true
	}
	return allowed, nil
}

// executableKind names the executable format head starts with, or "".
func executableKind(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return "ELF"
	case len(head) >= 4 && isMachO(binary.BigEndian.Uint32(head)):
		return "Mach-O"
	case bytes.HasPrefix(head, []byte("\x00asm")):
		return "WebAssembly"
	case bytes.HasPrefix(head, []byte("MZ")) && isPE(head):
		return "PE/COFF"
	}
	return ""
}

func isMachO(magic uint32) bool {
	switch magic {
	case 0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, // thin, either byte order
		0xcafebabe, 0xbebafeca: // universal (also a Java class file: refused as well)
		return true
	}
	return false
}

// isPE checks the PE signature that the DOS header's e_lfanew points at;
// a text file that merely starts with "MZ" has none.
func isPE(head []byte) bool {
	if len(head) < 0x40 {
		return false
	}
	off := int(binary.LittleEndian.Uint32(head[0x3c:]))
	return off >= 0x40 && off+4 <= len(head) && string(head[off:off+4]) == "PE\x00\x00"
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"storelens/internal/connectors/edge"
)

// TestEdgeHelper is the storelens-edge process of TestKillWithPostsQueued
// (the test binary run again with EDGE_HELPER_ARGS).
func TestEdgeHelper(t *testing.T) {
	args := os.Getenv("EDGE_HELPER_ARGS")
	if args == "" {
		t.Skip("helper process only")
	}
	os.Exit(run(context.Background(), strings.Split(args, " "), os.Stdout, os.Stderr))
}

// SIGKILL the real process with posts queued (the central unreachable):
// every post the camera saw acknowledged is in the queue when it is opened
// again, in order.
func TestKillWithPostsQueued(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2 here: %v", err)
	}
	hookAddr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestEdgeHelper$")
	cmd.Env = append(os.Environ(), "EDGE_HELPER_ARGS="+strings.Join([]string{"--server", "https://127.0.0.1:1",
		"--allow", "127.0.0.2/32", "--status", "", "--data-dir", dir, "--hook-listen", hookAddr}, " "))
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	client := &http.Client{Timeout: 5 * time.Second}
	post := func(id int) (int, error) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for _, kv := range [][2]string{{"app_id", "a"}, {"random", "123456"}, {"timestamp", strconv.FormatInt(time.Now().Unix(), 10)},
			{"sign", "00"}, {"payload", fmt.Sprintf(`{"event_id":%d}`, id)}} {
			_ = mw.WriteField(kv[0], kv[1])
		}
		_ = mw.Close()
		res, err := client.Post("http://"+hookAddr+"/hooks/sunmi-ipc", mw.FormDataContentType(), &body)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode, nil
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if code, err := post(0); err == nil && code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the edge's receiver did not answer; log:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	const n = 300
	for i := 1; i <= n; i++ {
		code, err := post(i)
		if err != nil || code != http.StatusOK {
			t.Fatalf("post %d: %d %v", i, code, err)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	q, err := edge.OpenQueue(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if q.Depth() != n+1 {
		t.Fatalf("after SIGKILL the queue holds %d posts, want %d acknowledged", q.Depth(), n+1)
	}
	posts, err := q.After(context.Background(), 0, n+1)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range posts {
		if !bytes.Contains(p.Body, []byte(fmt.Sprintf(`{"event_id":%d}`, i))) || !strings.HasPrefix(p.ContentType, "multipart/form-data") {
			t.Fatalf("queued post %d is not the camera's post %d: %q", p.ID, i, p.Body)
		}
	}
}

package sunmilan

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"storelens/internal/vendors/sunmilan/sim"
)

// NOTES.md's empty request, worked out by hand:
//
//	FF FF 33 FF  flag
//	01           version
//	01           type: request
//	00 00        length of the base64 payload: 0
//	20 AB 2C 62  CRC32/IEEE of the eight bytes above, big-endian
func TestEncodeEmptyRequestVector(t *testing.T) {
	got, err := EncodeFrame(FrameRequest, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "ffff33ff0101000020ab2c62"; hex.EncodeToString(got) != want {
		t.Fatalf("empty request = %x, want %s", got, want)
	}
}

func TestDecodeFrameTable(t *testing.T) {
	// {"a":1} is eyJhIjoxfQ== (12 base64 characters).
	withPayload, _ := EncodeFrame(FrameResponse, []byte(`{"a":1}`))
	if !bytes.Contains(withPayload, []byte("eyJhIjoxfQ==")) || withPayload[7] != 12 {
		t.Fatalf("payload frame %x", withPayload)
	}
	flip := func(b []byte, i int) []byte {
		c := bytes.Clone(b)
		c[i] ^= 0x01
		return c
	}
	empty, _ := hex.DecodeString("ffff33ff0101000020ab2c62")
	notJSON, _ := EncodeFrame(FrameResponse, []byte("hello"))
	cases := []struct {
		name    string
		in      []byte
		typ     byte
		payload string
		err     error
	}{
		{"empty request", empty, FrameRequest, "", nil},
		{"payload", withPayload, FrameResponse, `{"a":1}`, nil},
		{"short", empty[:11], 0, "", ErrShortFrame},
		{"flag", flip(empty, 2), 0, "", ErrFrameFlag},
		{"version", flip(empty, 4), 0, "", ErrVersion},
		{"length too long", flip(empty, 7), 0, "", ErrLength},
		{"truncated payload", append(bytes.Clone(withPayload[:10]), withPayload[len(withPayload)-4:]...), 0, "", ErrLength},
		{"crc", flip(empty, 11), 0, "", ErrCRC},
		{"payload bit flip", flip(withPayload, 9), 0, "", ErrCRC},
		{"not json", notJSON, 0, "", ErrPayload},
	}
	for _, c := range cases {
		typ, payload, err := DecodeFrame(c.in)
		if !errors.Is(err, c.err) || typ != c.typ || string(payload) != c.payload {
			t.Errorf("%s: DecodeFrame = %d %q %v, want %d %q %v", c.name, typ, payload, err, c.typ, c.payload, c.err)
		}
	}
}

// FuzzDiscoveryFrame checks that decoding never panics, and that whatever
// decodes re-encodes to the same bytes (the frame has one spelling).
func FuzzDiscoveryFrame(f *testing.F) {
	empty, _ := hex.DecodeString("ffff33ff0101000020ab2c62")
	f.Add(empty)
	resp, _ := EncodeFrame(FrameResponse, []byte(`{"deviceid":"C201D8BS00101","ip":"127.0.0.1"}`))
	f.Add(resp)
	f.Add([]byte{0xFF, 0xFF, 0x33, 0xFF, 0x01, 0x02, 0xFF, 0xFF})
	f.Fuzz(func(t *testing.T, b []byte) {
		typ, payload, err := DecodeFrame(b)
		if err != nil {
			return
		}
		again, err := EncodeFrame(typ, payload)
		if err != nil {
			t.Fatalf("decoded frame does not re-encode: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("re-encoded %x, was %x", again, b)
		}
		if _, ok := parseResponse(b); ok && typ != FrameResponse {
			t.Fatalf("a type %d frame parsed as a response", typ)
		}
	})
}

func newSimCamera(t testing.TB, sn, model string) *sim.Camera {
	t.Helper()
	cam, err := sim.New(sim.Options{SN: sn, Model: model, MAC: "0C25766F5901", AppID: testAppID, Secret: testSecret,
		ActivationCode: testActivation, Name: "门口"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cam.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cam.Close() })
	return cam
}

func quick(r *sim.Responder) DiscoverOptions {
	return DiscoverOptions{Target: r.Addr(), Listen: "127.0.0.1:0", Interval: 40 * time.Millisecond, Window: 300 * time.Millisecond}
}

// Discovery against the simulator, on loopback only.
func TestDiscoverOnLoopback(t *testing.T) {
	a := newSimCamera(t, "C201D8BS00201", "FM020")
	b := newSimCamera(t, "C101P98200202", "FM010")
	r, err := sim.ListenDiscovery("127.0.0.1:0", a, b)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, payload := range [][]byte{nil, []byte(`{"type":"request"}`)} {
		before := r.Requests()
		opts := quick(r)
		opts.Payload = payload
		found, err := Discover(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(found) != 2 || found[0].SN != "C101P98200202" || found[1].SN != "C201D8BS00201" {
			t.Fatalf("payload %q: found %+v", payload, found)
		}
		if got := r.Requests() - before; got != 3 {
			t.Errorf("payload %q: %d requests reached the camera, want 3", payload, got)
		}
		f := found[1]
		if f.Model != "FM020" || f.Type != "IPC" || f.Name != "SUNMI" || f.Network != "LAN" || f.MAC != "0C:25:76:6F:59:01" || f.Address() != a.Addr() {
			t.Errorf("found %+v (address %s, camera at %s)", f, f.Address(), a.Addr())
		}
	}
}

func TestDiscoverIgnoresBrokenFrames(t *testing.T) {
	a := newSimCamera(t, "C201D8BS00203", "FM020")
	r, err := sim.ListenDiscovery("127.0.0.1:0", a)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.SetFault(sim.DiscoveryFault{BadCRC: true, Garbage: true})
	found, err := Discover(context.Background(), quick(r))
	if err != nil || len(found) != 0 {
		t.Fatalf("broken frames: %+v %v", found, err)
	}
	r.SetFault(sim.DiscoveryFault{Silent: true})
	if found, _ := Discover(context.Background(), quick(r)); len(found) != 0 {
		t.Fatalf("silent camera found: %+v", found)
	}
}

// BenchmarkDiscoveryFrame encodes a camera's response and decodes it, the
// work a discovery does per answer.
func BenchmarkDiscoveryFrame(b *testing.B) {
	payload := []byte(`{"ip":"192.168.1.107","mac":"0C:25:76:6F:59:01","firmware":"1.6.2","name":"SUNMI","model":"FM020","type":"IPC","network":"LAN","deviceid":"C201D8BS00201"}`)
	b.ReportAllocs()
	var n int
	for b.Loop() {
		fr, err := EncodeFrame(FrameResponse, payload)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := parseResponse(fr); !ok {
			b.Fatal("no parse")
		}
		n += len(fr)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
	b.ReportMetric(float64(n)/float64(b.N), "bytes/frame")
}

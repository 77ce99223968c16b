package lanevents

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
)

// Frames worked out by hand from 003 §2.1 and NOTES.md item 40:
// FF3E3EFF | 01 | type | length (2 bytes BE) | payload | CRC32/IEEE(payload) BE.
// The CRCs were computed separately (Python's zlib.crc32).
var frameVectors = []struct {
	name    string
	typ     PacketType
	payload string
	hex     string
}{
	// PINGREQ, empty payload: CRC32 of nothing is 0.
	{"pingreq", TypePingReq, "", "ff3e3eff" + "01" + "03" + "0000" + "00000000"},
	{"pingresp", TypePingResp, "", "ff3e3eff" + "01" + "04" + "0000" + "00000000"},
	// CONNACK {"code":0}: 10 bytes (0x000a), crc32 723cae98.
	{"connack", TypeConnAck, `{"code":0}`, "ff3e3eff" + "01" + "02" + "000a" + "7b22636f6465223a307d" + "723cae98"},
	// PUBACK {"event_id":1}: 14 bytes (0x000e), crc32 d7279d90.
	{"puback", TypePubAck, `{"event_id":1}`, "ff3e3eff" + "01" + "0a" + "000e" + "7b226576656e745f6964223a317d" + "d7279d90"},
	// SUBSCRIBE {"event_list":["face_recog_event"]}: 35 bytes (0x0023), crc32 04e04f99.
	{"subscribe", TypeSubscribe, `{"event_list":["face_recog_event"]}`, "ff3e3eff" + "01" + "05" + "0023" +
		"7b226576656e745f6c697374223a5b22666163655f7265636f675f6576656e74225d7d" + "04e04f99"},
	{"disconnect", TypeDisconnect, "", "ff3e3eff" + "01" + "0b" + "0000" + "00000000"},
}

func TestFrameVectors(t *testing.T) {
	for _, v := range frameVectors {
		t.Run(v.name, func(t *testing.T) {
			got, err := AppendFrame(nil, Frame{Type: v.typ, Payload: []byte(v.payload)})
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(got) != v.hex {
				t.Fatalf("encode\n got %x\nwant %s", got, v.hex)
			}
			raw, _ := hex.DecodeString(v.hex)
			f, n, err := DecodeFrame(raw)
			if err != nil || n != len(raw) || f.Type != v.typ || string(f.Payload) != v.payload {
				t.Fatalf("DecodeFrame = %v %d %q, %v", f.Type, n, f.Payload, err)
			}
			f, err = ReadFrame(bytes.NewReader(raw))
			if err != nil || f.Type != v.typ || string(f.Payload) != v.payload {
				t.Fatalf("ReadFrame = %v %q, %v", f.Type, f.Payload, err)
			}
		})
	}
}

func TestFrameRejects(t *testing.T) {
	good := "ff3e3eff01020" + "00a" + "7b22636f6465223a307d" + "723cae98"
	cases := []struct {
		name string
		hex  string
		want error
	}{
		{"bad flag", "ff3e3efe" + good[8:], ErrBadFlag},
		{"UDP discovery flag", "ffff33ff" + good[8:], ErrBadFlag},
		{"version 2", good[:8] + "02" + good[10:], ErrBadVersion},
		{"type 0 reserved", good[:10] + "00" + good[12:], ErrBadType},
		{"type 12", good[:10] + "0c" + good[12:], ErrBadType},
		{"type 0x12", good[:10] + "12" + good[12:], ErrBadType},
		{"CRC off by one", good[:len(good)-2] + "99", ErrBadCRC},
		{"payload changed", strings.Replace(good, "307d", "317d", 1), ErrBadCRC},
		{"length longer than the data", good[:12] + "000b" + good[16:], ErrShortFrame},
		{"cut in the header", good[:10], ErrShortFrame},
		{"cut in the payload", good[:24], ErrShortFrame},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw, err := hex.DecodeString(c.hex)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := DecodeFrame(raw); !errors.Is(err, c.want) {
				t.Errorf("DecodeFrame: %v, want %v", err, c.want)
			}
			if _, err := ReadFrame(bytes.NewReader(raw)); !errors.Is(err, c.want) {
				t.Errorf("ReadFrame: %v, want %v", err, c.want)
			}
		})
	}
}

func TestFrameDisconnectSpelledHex11(t *testing.T) {
	// 003 §2.6 says DISCONNECT is "0x11"; the table says 11 (NOTES.md 39).
	raw, _ := hex.DecodeString("ff3e3eff" + "01" + "11" + "0000" + "00000000")
	f, err := ReadFrame(bytes.NewReader(raw))
	if err != nil || f.Type != TypeDisconnect {
		t.Fatalf("got %v, %v", f.Type, err)
	}
}

func TestFrameStreamAndLimits(t *testing.T) {
	var buf []byte
	for i := 0; i < 3; i++ {
		buf, _ = AppendFrame(buf, Frame{Type: TypePublish, Payload: []byte(`{"event_id":` + string(rune('1'+i)) + `}`)})
	}
	r := bytes.NewReader(buf)
	for i := 0; i < 3; i++ {
		if _, err := ReadFrame(r); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	if _, err := ReadFrame(r); err != io.EOF {
		t.Fatalf("after the last frame: %v, want io.EOF", err)
	}
	big := make([]byte, MaxPayload)
	b, err := AppendFrame(nil, Frame{Type: TypePublish, Payload: big})
	if err != nil || len(b) != MaxPayload+12 {
		t.Fatalf("largest frame: %d bytes, %v", len(b), err)
	}
	if _, err := AppendFrame(nil, Frame{Type: TypePublish, Payload: make([]byte, MaxPayload+1)}); !errors.Is(err, ErrTooLong) {
		t.Fatalf("over-long payload: %v", err)
	}
}

// FuzzDecodeFrame: no input panics, and whatever decodes re-encodes to the
// same bytes (so the decoder accepts nothing the encoder would not write,
// but for 0x11).
func FuzzDecodeFrame(f *testing.F) {
	for _, v := range frameVectors {
		raw, _ := hex.DecodeString(v.hex)
		f.Add(raw)
	}
	f.Add([]byte{0xff, 0x3e, 0x3e, 0xff, 1, 0x11, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0xff, 0x3e, 0x3e, 0xff, 1, 9, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, n, err := DecodeFrame(b)
		fr2, err2 := ReadFrame(bytes.NewReader(b))
		if err != nil {
			if err2 == nil {
				t.Fatalf("ReadFrame accepted what DecodeFrame refused: %v", err)
			}
			return
		}
		if err2 != nil || fr2.Type != fr.Type || !bytes.Equal(fr2.Payload, fr.Payload) {
			t.Fatalf("ReadFrame disagrees: %v %v", fr2, err2)
		}
		again, err := AppendFrame(nil, fr)
		if err != nil {
			t.Fatal(err)
		}
		if b[5] != 0x11 && !bytes.Equal(again, b[:n]) {
			t.Fatalf("re-encoded %x, read %x", again, b[:n])
		}
	})
}

package sunmilan

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"net"
	"sort"
	"strconv"
	"time"
)

// SUNMI Device Discovery Protocol (003 Initial Configurations 4; NOTES
// "UDP discovery"):
//
//	FF FF 33 FF | version 01 | type (01 request, 02 response) |
//	length: 2 bytes big-endian, of the base64 text | base64(JSON) |
//	CRC32 (IEEE), 4 bytes big-endian, over header and payload
const (
	DiscoveryPort = 10001 // 003 §4.2: both sides use port 10001
	FrameRequest  = 0x01
	FrameResponse = 0x02

	frameVersion = 0x01
	headerLen    = 8
	crcLen       = 4
	// MaxFrame is the largest frame we read: a UDP datagram's payload.
	MaxFrame = 65507
)

var frameFlag = [4]byte{0xFF, 0xFF, 0x33, 0xFF}

// Frame errors.
var (
	ErrShortFrame = errors.New("discovery frame too short")
	ErrFrameFlag  = errors.New("discovery frame: wrong flag")
	ErrVersion    = errors.New("discovery frame: unsupported version")
	ErrLength     = errors.New("discovery frame: length does not match")
	ErrCRC        = errors.New("discovery frame: CRC mismatch")
	ErrPayload    = errors.New("discovery frame: payload is not base64 JSON")
)

// EncodeFrame builds a frame of type typ around a JSON payload (nil for the
// empty request of 003 §4.3).
func EncodeFrame(typ byte, payload []byte) ([]byte, error) {
	enc := base64.StdEncoding.EncodeToString(payload)
	if len(payload) == 0 {
		enc = ""
	}
	if len(enc) > 0xFFFF || headerLen+len(enc)+crcLen > MaxFrame {
		return nil, ErrLength
	}
	b := make([]byte, 0, headerLen+len(enc)+crcLen)
	b = append(b, frameFlag[:]...)
	b = append(b, frameVersion, typ)
	b = binary.BigEndian.AppendUint16(b, uint16(len(enc)))
	b = append(b, enc...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b)), nil
}

// DecodeFrame checks a frame and returns its type and decoded JSON payload
// (nil when empty). The payload must be a JSON object.
func DecodeFrame(b []byte) (typ byte, payload []byte, err error) {
	if len(b) < headerLen+crcLen {
		return 0, nil, ErrShortFrame
	}
	if !bytes.Equal(b[:4], frameFlag[:]) {
		return 0, nil, ErrFrameFlag
	}
	if b[4] != frameVersion {
		return 0, nil, ErrVersion
	}
	n := int(binary.BigEndian.Uint16(b[6:8]))
	if headerLen+n+crcLen != len(b) {
		return 0, nil, ErrLength
	}
	body := b[:headerLen+n]
	if crc32.ChecksumIEEE(body) != binary.BigEndian.Uint32(b[headerLen+n:]) {
		return 0, nil, ErrCRC
	}
	if n == 0 {
		return b[5], nil, nil
	}
	payload, err = base64.StdEncoding.DecodeString(string(b[headerLen : headerLen+n]))
	if err != nil || !json.Valid(payload) || bytes.TrimSpace(payload)[0] != '{' {
		return 0, nil, ErrPayload
	}
	return b[5], payload, nil
}

// Found is one camera's discovery response (003 §4.4).
type Found struct {
	SN       string `json:"deviceid"`
	Model    string `json:"model"`
	IP       string `json:"ip"`
	MAC      string `json:"mac"`
	Firmware string `json:"firmware"`
	Name     string `json:"name"`    // fixed "SUNMI"
	Type     string `json:"type"`    // fixed "IPC"
	Network  string `json:"network"` // "AP" or "LAN"
	// Port is the HTTPS port when a reply names one (only the simulator
	// does: simulated cameras share 127.0.0.1); 0 means 443.
	Port int `json:"port,omitempty"`
}

// Address is where the camera's HTTPS API is: ip, and port 443 unless the
// reply named another.
func (f Found) Address() string {
	port := DiscoveryHTTPSPort
	if f.Port > 0 {
		port = f.Port
	}
	return net.JoinHostPort(f.IP, strconv.Itoa(port))
}

// DiscoveryHTTPSPort is the port of a real camera's API.
const DiscoveryHTTPSPort = 443

// DiscoverOptions say where to ask and how long to listen. The zero value
// is 003's: three requests 1 s apart to the broadcast address on 10001,
// answers taken for 5 s from the first request.
type DiscoverOptions struct {
	Target   string        // where requests go; "255.255.255.255:10001" by default
	Listen   string        // local address answers come to; "0.0.0.0:10001" by default
	Requests int           // 3
	Interval time.Duration // 1 s
	Window   time.Duration // 5 s from the first request
	// Payload, when set, is sent as the request's JSON (Sunmi's own app
	// sends a small one; 003 sends none).
	Payload []byte
}

func (o *DiscoverOptions) defaults() {
	if o.Target == "" {
		o.Target = net.JoinHostPort("255.255.255.255", strconv.Itoa(DiscoveryPort))
	}
	if o.Listen == "" {
		o.Listen = net.JoinHostPort("0.0.0.0", strconv.Itoa(DiscoveryPort))
	}
	if o.Requests <= 0 {
		o.Requests = 3
	}
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.Window <= 0 {
		o.Window = 5 * time.Second
	}
}

// Discover sends discovery requests and collects the responses, one per
// device (by SN), sorted by SN. Frames that fail the checks are ignored.
func Discover(ctx context.Context, opts DiscoverOptions) ([]Found, error) {
	opts.defaults()
	target, err := net.ResolveUDPAddr("udp4", opts.Target)
	if err != nil {
		return nil, fmt.Errorf("sunmilan: discovery target %q: %w", opts.Target, err)
	}
	lc := net.ListenConfig{Control: allowBroadcast}
	pc, err := lc.ListenPacket(ctx, "udp4", opts.Listen)
	if err != nil {
		return nil, fmt.Errorf("sunmilan: discovery listen %q: %w", opts.Listen, err)
	}
	defer pc.Close()
	req, err := EncodeFrame(FrameRequest, opts.Payload)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	deadline := start.Add(opts.Window)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	found := map[string]Found{}
	buf := make([]byte, MaxFrame)
	for i := 0; ; {
		if i < opts.Requests {
			if _, err := pc.WriteTo(req, target); err != nil {
				return nil, fmt.Errorf("sunmilan: discovery send: %w", err)
			}
			i++
		}
		next := deadline
		if i < opts.Requests {
			next = start.Add(time.Duration(i) * opts.Interval)
		}
		if err := readUntil(ctx, pc, buf, next, found); err != nil {
			return nil, err
		}
		if !time.Now().Before(deadline) || ctx.Err() != nil {
			break
		}
	}
	out := make([]Found, 0, len(found))
	for _, f := range found {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SN < out[j].SN })
	return out, nil
}

// readUntil reads responses into found until t.
func readUntil(ctx context.Context, pc net.PacketConn, buf []byte, t time.Time, found map[string]Found) error {
	for {
		if ctx.Err() != nil {
			return nil
		}
		if err := pc.SetReadDeadline(t); err != nil {
			return err
		}
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return nil
			}
			return fmt.Errorf("sunmilan: discovery read: %w", err)
		}
		f, ok := parseResponse(buf[:n])
		if !ok {
			continue
		}
		if f.IP == "" {
			if ua, ok := from.(*net.UDPAddr); ok {
				f.IP = ua.IP.String()
			}
		}
		if _, dup := found[f.SN]; !dup {
			found[f.SN] = f
		}
	}
}

func parseResponse(b []byte) (Found, bool) {
	typ, payload, err := DecodeFrame(b)
	if err != nil || typ != FrameResponse || payload == nil {
		return Found{}, false
	}
	var f Found
	if err := json.Unmarshal(payload, &f); err != nil || f.SN == "" {
		return Found{}, false
	}
	return f, true
}

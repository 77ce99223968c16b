package sim

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"net"
	"strconv"
	"sync"
	"time"
)

// The discovery frame (003 Initial Configurations 4.1, NOTES "UDP
// discovery"), written here again from the document: the simulator does
// not import the adapter.
var flag = []byte{0xFF, 0xFF, 0x33, 0xFF}

const (
	typeRequest  = 0x01
	typeResponse = 0x02
)

// parseRequest accepts a version-1 request frame whose length and CRC
// agree, with an empty payload (003 §4.3) or base64 JSON (Sunmi's app).
func parseRequest(b []byte) bool {
	if len(b) < 12 || !bytes.Equal(b[:4], flag) || b[4] != 0x01 || b[5] != typeRequest {
		return false
	}
	n := int(binary.BigEndian.Uint16(b[6:8]))
	if 8+n+4 != len(b) || crc32.ChecksumIEEE(b[:8+n]) != binary.BigEndian.Uint32(b[8+n:]) {
		return false
	}
	if n == 0 {
		return true
	}
	raw, err := base64.StdEncoding.DecodeString(string(b[8 : 8+n]))
	return err == nil && json.Valid(raw)
}

func frame(typ byte, payload []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(payload)
	b := append(append([]byte{}, flag...), 0x01, typ)
	b = binary.BigEndian.AppendUint16(b, uint16(len(enc)))
	b = append(b, enc...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

// DiscoveryFault makes the responder misbehave.
type DiscoveryFault struct {
	Silent  bool          // answer nothing
	BadCRC  bool          // answer with a broken CRC
	Delay   time.Duration // wait before answering
	Garbage bool          // also send a frame that is not a discovery frame
}

// Responder answers discovery requests for its cameras on a loopback UDP
// address, one unicast response per camera (003 §4.5).
type Responder struct {
	pc   net.PacketConn
	mu   sync.Mutex
	cams []*Camera
	f    DiscoveryFault
	reqs int
	done chan struct{}
}

// ListenDiscovery starts a responder on addr ("127.0.0.1:0" picks a port;
// loopback only).
func ListenDiscovery(addr string, cams ...*Camera) (*Responder, error) {
	if err := loopbackOnly(addr); err != nil {
		return nil, err
	}
	pc, err := net.ListenPacket("udp4", addr)
	if err != nil {
		return nil, err
	}
	r := &Responder{pc: pc, cams: cams, done: make(chan struct{})}
	go r.serve()
	return r, nil
}

// Addr is the responder's host:port.
func (r *Responder) Addr() string { return r.pc.LocalAddr().String() }

// Add makes another camera answer.
func (r *Responder) Add(c *Camera) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cams = append(r.cams, c)
}

// SetFault sets (or, with the zero value, clears) the responder's fault.
func (r *Responder) SetFault(f DiscoveryFault) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.f = f
}

// Requests counts the valid requests received.
func (r *Responder) Requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reqs
}

// Close stops the responder.
func (r *Responder) Close() error {
	err := r.pc.Close()
	<-r.done
	return err
}

func (r *Responder) serve() {
	defer close(r.done)
	buf := make([]byte, 65535)
	for {
		n, from, err := r.pc.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		if !parseRequest(buf[:n]) {
			continue
		}
		r.mu.Lock()
		r.reqs++
		f, cams := r.f, append([]*Camera(nil), r.cams...)
		r.mu.Unlock()
		if f.Silent {
			continue
		}
		if f.Delay > 0 {
			time.Sleep(f.Delay)
		}
		if f.Garbage {
			_, _ = r.pc.WriteTo([]byte("not a discovery frame"), from)
		}
		for _, c := range cams {
			b := frame(typeResponse, c.discoveryInfo())
			if f.BadCRC {
				b[len(b)-1] ^= 0xFF
			}
			_, _ = r.pc.WriteTo(b, from)
		}
	}
}

// discoveryInfo is the response JSON of 003 §4.4.
func (c *Camera) discoveryInfo() []byte {
	c.mu.Lock()
	addr := c.addr
	c.mu.Unlock()
	info := map[string]any{"ip": "", "mac": macColons(c.opt.MAC), "firmware": c.opt.Firmware, "name": "SUNMI",
		"model": c.opt.Model, "type": "IPC", "network": c.opt.Network, "deviceid": c.opt.SN}
	if host, port, err := net.SplitHostPort(addr); err == nil {
		info["ip"] = host
		if p, _ := strconv.Atoi(port); p != 443 {
			info["port"] = p // the simulator's extension: see doc.go
		}
	}
	b, _ := json.Marshal(info)
	return b
}

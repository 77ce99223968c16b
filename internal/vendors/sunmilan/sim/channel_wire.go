package sim

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
)

// The channel's frame as the camera reads and writes it (003 §2.1, layout
// decided in NOTES.md item 40): FF 3E 3E FF | 01 | type | length (2 bytes
// big-endian) | payload | CRC32/IEEE of the payload (4 bytes big-endian).
// Written here again, not imported from the adapter: both sides are checked
// against the same hand-made vectors.
const (
	frameFlag  = 0xFF3E3EFF
	version    = 0x01
	headerSize = 8
)

// Packet types of 003 §2.1.
const (
	pConnect     = 1
	pConnAck     = 2
	pPingReq     = 3
	pPingResp    = 4
	pSubscribe   = 5
	pSubAck      = 6
	pUnsubscribe = 7
	pUnsubAck    = 8
	pPublish     = 9
	pPubAck      = 10
	pDisconnect  = 11
	pDisconnect2 = 0x11 // 003 §2.6's spelling, accepted (NOTES.md item 39)
)

var errFrame = errors.New("sim: malformed frame")

// encode builds one frame; corrupt flips the CRC (a fault knob).
func encode(typ byte, payload []byte, corrupt bool) []byte {
	b := make([]byte, headerSize, headerSize+len(payload)+4)
	binary.BigEndian.PutUint32(b, frameFlag)
	b[4], b[5] = version, typ
	binary.BigEndian.PutUint16(b[6:], uint16(len(payload)))
	b = append(b, payload...)
	crc := crc32.ChecksumIEEE(payload)
	if corrupt {
		crc ^= 0xDEADBEEF
	}
	return binary.BigEndian.AppendUint32(b, crc)
}

// decode reads one frame strictly: frameFlag, version, known type, CRC.
func decode(r io.Reader) (byte, []byte, error) {
	var h [headerSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	if binary.BigEndian.Uint32(h[:4]) != frameFlag || h[4] != version {
		return 0, nil, errFrame
	}
	typ := h[5]
	if typ == pDisconnect2 {
		typ = pDisconnect
	}
	if typ < pConnect || typ > pDisconnect {
		return 0, nil, errFrame
	}
	n := int(binary.BigEndian.Uint16(h[6:]))
	body := make([]byte, n+4)
	if _, err := io.ReadFull(r, body); err != nil {
		return 0, nil, err
	}
	if crc32.ChecksumIEEE(body[:n]) != binary.BigEndian.Uint32(body[n:]) {
		return 0, nil, errFrame
	}
	return typ, body[:n], nil
}

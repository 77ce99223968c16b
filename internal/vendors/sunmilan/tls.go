package sunmilan

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// PinError stops a call to a camera whose certificate is not the pinned
// one: a replaced camera, a factory reset, or someone in between. Only an
// admin's explicit "trust the new certificate" moves the pin.
type PinError struct {
	Pinned, Presented string // hex SHA-256 fingerprints
}

func (e *PinError) Error() string {
	return fmt.Sprintf("camera certificate changed: pinned %s, presented %s",
		FormatFingerprint(e.Pinned), FormatFingerprint(e.Presented))
}

// CertFingerprint is the hex SHA-256 of a certificate's DER bytes.
func CertFingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// FormatFingerprint shows a fingerprint as colon-separated upper-case hex
// pairs, as browsers and openssl print them.
func FormatFingerprint(fp string) string {
	fp = strings.ToUpper(normalizeFingerprint(fp))
	var b strings.Builder
	for i := 0; i+1 < len(fp); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(fp[i : i+2])
	}
	return b.String()
}

// normalizeFingerprint accepts upper or lower case with or without colons.
func normalizeFingerprint(fp string) string {
	return strings.ToLower(strings.NewReplacer(":", "", " ", "").Replace(strings.TrimSpace(fp)))
}

// verifyConnection is the pin check of every handshake: the chain is not
// verified (self-signed), the leaf's fingerprint is.
func (c *Client) verifyConnection(cs tls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("camera sent no certificate")
	}
	fp := CertFingerprint(cs.PeerCertificates[0].Raw)
	c.mu.Lock()
	first := c.seen == ""
	c.seen = fp
	c.mu.Unlock()
	if c.cfg.Pin == "" {
		if first && c.cfg.OnFirstUse != nil {
			c.cfg.OnFirstUse(fp)
		}
		return nil
	}
	return checkPin(c.cfg.Pin, fp)
}

// checkPin is the pin rule: the presented certificate is the pinned one.
func checkPin(pin, presented string) error {
	if subtle.ConstantTimeCompare([]byte(presented), []byte(pin)) != 1 {
		return &PinError{Pinned: pin, Presented: presented}
	}
	return nil
}

// ErrNoPin refuses a connection to a camera whose certificate was never
// pinned: the message channel has no trust on first use (the HTTPS calls
// pin first).
var ErrNoPin = errors.New("the camera's certificate is not pinned yet: open the camera's page once")

// PinnedTLS is the TLS configuration of another connection to a camera
// (its message channel, 003 §2): the same pin rule as the Client's, with
// the account's client certificate if it has one.
func PinnedTLS(pin string, clientCert *tls.Certificate) (*tls.Config, error) {
	pin = normalizeFingerprint(pin)
	if pin == "" {
		return nil, ErrNoPin
	}
	tc := &tls.Config{
		// Self-signed: no chain to verify; the pin is the check (NOTES 50).
		InsecureSkipVerify: true, //nolint:gosec // replaced by the pin
		MinVersion:         tls.VersionTLS12,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("camera sent no certificate")
			}
			return checkPin(pin, CertFingerprint(cs.PeerCertificates[0].Raw))
		},
	}
	if clientCert != nil {
		tc.Certificates = []tls.Certificate{*clientCert}
	}
	return tc, nil
}

// FetchFingerprint makes a TLS handshake with the camera at address and
// returns its certificate's fingerprint, to show and pin before the first
// call. A camera that wants a client certificate still shows its own.
func FetchFingerprint(ctx context.Context, address string, clientCert *tls.Certificate, dial DialFunc) (string, error) {
	host, err := NormalizeAddress(address)
	if err != nil {
		return "", err
	}
	var fp string
	conf := &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12, //nolint:gosec // we only read the certificate
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) > 0 {
				fp = CertFingerprint(cs.PeerCertificates[0].Raw)
			}
			return nil
		}}
	if clientCert != nil {
		conf.Certificates = []tls.Certificate{*clientCert}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	raw, err := dialOrDefault(dial)(ctx, "tcp", host)
	if err == nil {
		if h, _, serr := net.SplitHostPort(host); serr == nil {
			conf.ServerName = h // as tls.Dialer would (no SNI for an address)
		}
		conn := tls.Client(raw, conf)
		err = conn.HandshakeContext(ctx)
		conn.Close()
	}
	if fp != "" {
		return fp, nil
	}
	if err == nil {
		err = errors.New("camera sent no certificate")
	}
	return "", fmt.Errorf("sunmilan: certificate of %s: %w", host, err)
}

// ErrPKCS12 means the client certificate file or its password is wrong.
var ErrPKCS12 = errors.New("the client certificate file cannot be opened with this password")

// LoadPKCS12 opens a PKCS#12 file (003's tutorial: "OpenAPI Cert and its
// password", openapi.p12) as a TLS client certificate.
func LoadPKCS12(data []byte, password string) (tls.Certificate, error) {
	key, leaf, chain, err := pkcs12.DecodeChain(data, password)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("%w: %v", ErrPKCS12, err)
	}
	cert := tls.Certificate{PrivateKey: key, Leaf: leaf, Certificate: [][]byte{leaf.Raw}}
	for _, c := range chain {
		cert.Certificate = append(cert.Certificate, c.Raw)
	}
	return cert, nil
}

package live

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// redactErr keeps vendor URLs out of errors (and so out of logs and
// pages): a transport error names the URL it failed on, query and all, and
// the query carries the vendor's auth_key.
func redactErr(err error) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s %s: %w", ue.Op, redactURL(ue.URL), ue.Err)
	}
	return err
}

// redactURL is u without its query, user info and fragment.
func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(url)"
	}
	p.RawQuery, p.Fragment, p.User = "", "", nil
	return p.String()
}

// redactRTSPErr is err without the URL's path and query.
func redactRTSPErr(err error, rawURL string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if u, perr := url.Parse(rawURL); perr == nil {
		for _, secret := range []string{rawURL, u.RawQuery, u.Path} {
			if secret != "" && secret != "/" {
				msg = strings.ReplaceAll(msg, secret, "…")
			}
		}
	}
	return fmt.Errorf("%w: %s", ErrRTSP, msg)
}

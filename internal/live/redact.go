package live

import (
	"errors"
	"fmt"
	"net/url"
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

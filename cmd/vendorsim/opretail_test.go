package main

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"storelens/internal/vendors"
	"storelens/internal/vendors/opretail"
)

// What vendorsim prints for OpRetail is enough to connect: StoreLens's
// adapter signs in and passes its connection test with it, and not with a
// wrong secret.
func TestOpRetailPrintsWorkingCredentials(t *testing.T) {
	var out strings.Builder
	stop, err := serveOpRetail(&out, "127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	field := func(name string) string {
		m := regexp.MustCompile(`(?m)^  ` + name + ` +(\S+)$`).FindStringSubmatch(out.String())
		if m == nil {
			t.Fatalf("no %s in:\n%s", name, out.String())
		}
		return m[1]
	}
	acc := vendors.Account{Vendor: opretail.Name, BaseURL: field("base URL"), AppID: field("akey"), Secret: field("secret"),
		User: field("user"), Password: field("password")}
	hc := &http.Client{Timeout: 5 * time.Second}
	ctx := context.Background()
	c, err := opretail.NewClient(acc, hc, opretail.WithBackoff(func(context.Context, time.Duration) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Test(ctx); err != nil {
		t.Fatalf("test connection with the printed credentials: %v", err)
	}
	acc.Secret += "x"
	c, _ = opretail.NewClient(acc, hc, opretail.WithBackoff(func(context.Context, time.Duration) error { return nil }))
	if err := c.Test(ctx); err == nil {
		t.Fatal("a wrong secret passed the connection test")
	}
}

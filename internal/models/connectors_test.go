package models_test

import (
	"context"
	"testing"
	"time"

	"storelens/internal/models"
)

// TestHoldReleaseConnector: the holder's address is recorded with a time;
// a release by an instance that no longer holds it (the tunnel moved) leaves
// the new holder recorded; the holder's own release clears both.
func TestHoldReleaseConnector(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	sh := models.Shop{Name: "A"}
	if err := st.CreateShop(ctx, &sh); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateConnectorCode(ctx, &models.ConnectorCode{ShopID: sh.ID, CodeHash: "h", ExpiresAt: st.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	c, _, err := st.PairConnector(ctx, "h", "key", "edge")
	if err != nil {
		t.Fatal(err)
	}
	holder := func() models.Connector {
		t.Helper()
		got, err := st.ShopConnector(ctx, sh.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if h := holder(); h.RelayURL != "" || h.RelayAt != nil {
		t.Fatalf("a new connector has a holder: %q %v", h.RelayURL, h.RelayAt)
	}
	for _, url := range []string{"http://a:8080", "http://b:8080"} {
		if err := st.HoldConnector(ctx, c.ID, url); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.ReleaseConnector(ctx, c.ID, "http://a:8080"); err != nil {
		t.Fatal(err)
	}
	if h := holder(); h.RelayURL != "http://b:8080" || h.RelayAt == nil {
		t.Fatalf("A's late release cleared B's hold: %q %v", h.RelayURL, h.RelayAt)
	}
	if err := st.ReleaseConnector(ctx, c.ID, "http://b:8080"); err != nil {
		t.Fatal(err)
	}
	if h := holder(); h.RelayURL != "" || h.RelayAt != nil {
		t.Fatalf("released, still held: %q %v", h.RelayURL, h.RelayAt)
	}
}

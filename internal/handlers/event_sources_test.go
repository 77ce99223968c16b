package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"storelens/internal/models"
)

// Linking a shop to a SenseLink account in the shop form (on edit too, not
// only on create) is stored: the record push follows these links. Choosing
// none unlinks it.
func TestShopFormLinksSenseLinkOnEdit(t *testing.T) {
	a, _ := newSenseLinkFacesApp(t)
	b := a.login("admin", adminPW)
	r := b.post("/shops", url.Values{"name": {"未关联门店"}, "timezone": {"Asia/Shanghai"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("create shop %d", r.status)
	}
	id, _ := strconv.Atoi(strings.TrimPrefix(r.location, "/shops/"))
	shop := func() models.Shop {
		sh, err := a.st.Shop(context.Background(), models.AllShops(), uint(id))
		if err != nil {
			t.Fatal(err)
		}
		return sh
	}
	if sh := shop(); sh.SenseLinkAccountID != nil {
		t.Fatalf("new shop linked to %d", *sh.SenseLinkAccountID)
	}
	r = b.post("/shops/"+itoa(uint(id)), url.Values{"name": {"已关联门店"}, "timezone": {"Asia/Shanghai"}, "senselink_account_id": {itoa(a.account.ID)}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("edit shop %d", r.status)
	}
	if sh := shop(); sh.SenseLinkAccountID == nil || *sh.SenseLinkAccountID != a.account.ID {
		t.Fatalf("after linking on edit: %v", sh.SenseLinkAccountID)
	}
	links, err := a.st.SenseLinkLinks(context.Background())
	if err != nil || len(links[a.account.ID]) == 0 {
		t.Fatalf("links %v, %v", links, err)
	}
	b.post("/shops/"+itoa(uint(id)), url.Values{"name": {"已关联门店"}, "timezone": {"Asia/Shanghai"}, "senselink_account_id": {""}})
	if sh := shop(); sh.SenseLinkAccountID != nil {
		t.Fatalf("after unlinking: %d", *sh.SenseLinkAccountID)
	}
}

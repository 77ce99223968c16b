package handlers

import (
	"fmt"
	"strings"
	"testing"

	"storelens/internal/connectors"
	"storelens/internal/connectors/edge"
	"storelens/internal/i18n"
	"storelens/internal/vendors"
)

// A dial the shop's connector refused, or a connector offline, is said as
// such in both languages, also when the vendor adapter wrapped it as its
// own silence; and the page treats it as the vendor side (a message, not
// a 500).
func TestConnectorRefusalMessage(t *testing.T) {
	b := i18n.MustLoad()
	refused := fmt.Errorf("%w: %w", &vendors.Error{Kind: vendors.KindUnavailable},
		&connectors.Refused{Addr: "192.168.9.20:443", Reason: edge.ReasonRange})
	offline := fmt.Errorf("sunmilan: dial: %w", connectors.ErrOffline)
	cases := []struct {
		lang string
		err  error
		want []string
	}{
		{"en", refused, []string{"on-site connector refused", "192.168.9.20:443", "outside the shop's network ranges"}},
		{"zh-CN", refused, []string{"现场连接器拒绝连接", "192.168.9.20:443", "不在门店网络的网段内"}},
		{"en", offline, []string{"on-site connector is offline"}},
		{"zh-CN", offline, []string{"现场连接器离线"}},
		{"en", &connectors.Refused{Addr: "x:1", Reason: "something new"}, []string{"it is not allowed"}},
	}
	for _, tc := range cases {
		got := vendorMessage(b.For(tc.lang), tc.err)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s %v: %q lacks %q", tc.lang, tc.err, got, w)
			}
		}
		if !isVendorSide(tc.err) {
			t.Errorf("%v is not the vendor side", tc.err)
		}
	}
}

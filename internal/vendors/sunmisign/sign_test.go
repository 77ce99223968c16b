package sunmisign

import "testing"

// The NOTES.md vectors, each with its string written out by hand: sorted
// keys, raw values, "&key=" and the secret.
func TestSignVectors(t *testing.T) {
	cases := []struct {
		params map[string]string
		secret string
		str    string
		sign   string
	}{
		{
			params: map[string]string{"app_id": "LMWWQVTW4QGCC", "ipc_name": "前门摄像机", "ipc_sn": "C101P98200023",
				"random": "5dsf6698", "sunmi_shop_no": "560279010307", "timestamp": "1581333970"},
			secret: "ABCDEFG3F2BB03917123",
			str:    "app_id=LMWWQVTW4QGCC&ipc_name=前门摄像机&ipc_sn=C101P98200023&random=5dsf6698&sunmi_shop_no=560279010307&timestamp=1581333970&key=ABCDEFG3F2BB03917123",
			sign:   "4E883BD96F3B27B2047B2E923F127273",
		},
		{ // 003's activation example, signed with the activation code
			params: map[string]string{"sn": "FS101D8BS00106", "app_id": "JO83UNV983U9OR", "timestamp": "1593029283", "random": "289192", "sign": "ignored"},
			secret: "12345678",
			str:    "app_id=JO83UNV983U9OR&random=289192&sn=FS101D8BS00106&timestamp=1593029283&key=12345678",
			sign:   "72CB1C1031D3BA103D2FA1A57E171C2D",
		},
		{ // 003's general example
			params: map[string]string{"user_id": "29389", "product_id": "389238", "environment": "test", "content": "newproductmask",
				"app_id": "2039dds", "random": "289192", "timestamp": "1593029283"},
			secret: "kdsofkdsnflke9382938k",
			str:    "app_id=2039dds&content=newproductmask&environment=test&product_id=389238&random=289192&timestamp=1593029283&user_id=29389&key=kdsofkdsnflke9382938k",
			sign:   "4AB07ACA8AC43AC0FD83718BF4D740E1",
		},
	}
	for _, c := range cases {
		if got := SigningString(c.params, c.secret); got != c.str {
			t.Errorf("signing string\n got %s\nwant %s", got, c.str)
		}
		if got := Sign(c.params, c.secret); got != c.sign {
			t.Errorf("Sign = %s, want %s", got, c.sign)
		}
	}
}

package sim

import (
	"crypto/md5"
	"encoding/hex"
	"strings"
	"testing"
)

// TestSignVectors works NOTES.md's three vectors by hand: the input string is
// written out literally, hashed with MD5 here, and then sign() must give the
// same for the equivalent parameter map.
func TestSignVectors(t *testing.T) {
	tests := []struct {
		name   string
		input  string // written by hand, sorted keys, raw values, &key= last
		params map[string]string
		secret string
		want   string
	}{
		{
			name:  "003 activation",
			input: "app_id=JO83UNV983U9OR&random=289192&sn=FS101D8BS00106&timestamp=1593029283&key=12345678",
			params: map[string]string{
				"sn": "FS101D8BS00106", "timestamp": "1593029283", "random": "289192",
				"app_id": "JO83UNV983U9OR", "sign": "ignored",
			},
			secret: "12345678",
			want:   "72CB1C1031D3BA103D2FA1A57E171C2D",
		},
		{
			name:  "003 example",
			input: "app_id=2039dds&content=newproductmask&environment=test&product_id=389238&random=289192&timestamp=1593029283&user_id=29389&key=kdsofkdsnflke9382938k",
			params: map[string]string{
				"user_id": "29389", "product_id": "389238", "environment": "test",
				"content": "newproductmask", "app_id": "2039dds", "random": "289192",
				"timestamp": "1593029283",
			},
			secret: "kdsofkdsnflke9382938k",
			want:   "4AB07ACA8AC43AC0FD83718BF4D740E1",
		},
		{
			name:  "000 updateName",
			input: "app_id=LMWWQVTW4QGCC&ipc_name=前门摄像机&ipc_sn=C101P98200023&random=5dsf6698&sunmi_shop_no=560279010307&timestamp=1581333970&key=ABCDEFG3F2BB03917123",
			params: map[string]string{
				"sunmi_shop_no": "560279010307", "ipc_sn": "C101P98200023", "ipc_name": "前门摄像机",
				"app_id": "LMWWQVTW4QGCC", "timestamp": "1581333970", "random": "5dsf6698",
				"sign": "4E883BD96F3B27B2047B2E923F127273",
			},
			secret: "ABCDEFG3F2BB03917123",
			want:   "4E883BD96F3B27B2047B2E923F127273",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sum := md5.Sum([]byte(tt.input))
			if got := strings.ToUpper(hex.EncodeToString(sum[:])); got != tt.want {
				t.Fatalf("md5(input) = %s, want %s", got, tt.want)
			}
			if got := signString(tt.params, tt.secret); got != tt.input {
				t.Errorf("signString = %q\nwant          %q", got, tt.input)
			}
			if got := sign(tt.params, tt.secret); got != tt.want {
				t.Errorf("sign = %s, want %s", got, tt.want)
			}
			if !signMatches(tt.params, tt.secret, strings.ToLower(tt.want)) {
				t.Error("lower-case sign not accepted")
			}
		})
	}
}

// TestSignByteOrder: upper-case keys sort before lower-case ones (byte-wise,
// NOTES "Signing" 2), and the keys are sorted, not the joined k=v strings:
// "a" < "a-b" as keys, while "a-b=3" < "a=4" as joined text ('-' < '=').
func TestSignByteOrder(t *testing.T) {
	got := signString(map[string]string{"b": "1", "B": "2", "a-b": "3", "a": "4"}, "k")
	want := "B=2&a=4&a-b=3&b=1&key=k"
	if got != want {
		t.Errorf("signString = %q, want %q", got, want)
	}
}

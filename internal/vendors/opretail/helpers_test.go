package opretail_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
)

func post(t *testing.T, u string, p map[string]string) int {
	t.Helper()
	v := url.Values{}
	for k, x := range p {
		v.Set(k, x)
	}
	resp, err := http.PostForm(u, v)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Stat struct {
			Code int `json:"code"`
		} `json:"stat"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return r.Stat.Code
}

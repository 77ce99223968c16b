package i18n

import (
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Both languages have exactly the same message ids.
func TestEveryFileHasItsPair(t *testing.T) {
	names, _ := fs.Glob(files, "locales/*.toml")
	have := map[string]bool{}
	for _, n := range names {
		have[n] = true
	}
	for _, n := range names {
		var pair string
		switch {
		case strings.HasSuffix(n, "zh-CN.toml"):
			pair = strings.TrimSuffix(n, "zh-CN.toml") + "en.toml"
		case strings.HasSuffix(n, "en.toml"):
			pair = strings.TrimSuffix(n, "en.toml") + "zh-CN.toml"
		default:
			t.Errorf("%s: name must end in .zh-CN.toml or .en.toml", n)
			continue
		}
		if !have[pair] {
			t.Errorf("%s has no %s", n, pair)
		}
	}
}

func TestLanguagesHaveTheSameKeys(t *testing.T) {
	b := MustLoad()
	zh, en := messageIDs(b.b, Chinese), messageIDs(b.b, English)
	set := func(ids []string) map[string]bool {
		m := map[string]bool{}
		for _, id := range ids {
			m[id] = true
		}
		return m
	}
	zs, es := set(zh), set(en)
	if len(zs) != len(zh) || len(es) != len(en) {
		t.Errorf("an id is defined twice (zh-CN %d ids, %d distinct; en %d ids, %d distinct)", len(zh), len(zs), len(en), len(es))
	}
	for id := range zs {
		if !es[id] {
			t.Errorf("%s is in zh-CN but not in en", id)
		}
	}
	for id := range es {
		if !zs[id] {
			t.Errorf("%s is in en but not in zh-CN", id)
		}
	}
}

var literalKey = regexp.MustCompile(`\b(?:T|Tf|Tn)\((?:ctx, )?"([a-z0-9_.]+)"`)

// Every message id written literally in Go or templ code exists.
func TestUsedKeysExist(t *testing.T) {
	b := MustLoad()
	ids := map[string]bool{}
	for _, id := range messageIDs(b.b, English) {
		ids[id] = true
	}
	root := filepath.Join("..", "..")
	found := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (d.Name() == "node_modules" || d.Name() == "playwright" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, ".templ") || strings.HasSuffix(path, "_templ.go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range literalKey.FindAllStringSubmatch(string(src), -1) {
			found++
			if !ids[m[1]] && !strings.HasSuffix(m[1], ".") {
				t.Errorf("%s uses %q, which no message file has", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 50 {
		t.Fatalf("found only %d message uses: is the scan broken?", found)
	}
}

func TestPick(t *testing.T) {
	b := MustLoad()
	for header, want := range map[string]string{
		"":                        "zh-CN",
		"en-US,en;q=0.9":          "en",
		"zh-TW,zh;q=0.9":          "zh-CN",
		"de-DE":                   "zh-CN",
		"de-DE,en;q=0.5":          "en",
		"zh-CN,zh;q=0.9,en;q=0.8": "zh-CN",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Language", header)
		if got := b.Pick(r).Lang; got != want {
			t.Errorf("Accept-Language %q: %s, want %s", header, got, want)
		}
	}
}

func TestPlurals(t *testing.T) {
	b := MustLoad()
	en := b.For("en")
	if got := en.Tn("vendors.shop_count", 1, nil); got != "1 shop" {
		t.Errorf("one: %q", got)
	}
	if got := en.Tn("vendors.shop_count", 3, nil); got != "3 shops" {
		t.Errorf("other: %q", got)
	}
	if got := b.For("zh-CN").Tn("vendors.shop_count", 1, nil); got != "1 家门店" {
		t.Errorf("zh: %q", got)
	}
	if got := en.T("no.such.key"); got != "no.such.key" {
		t.Errorf("missing key: %q", got)
	}
}

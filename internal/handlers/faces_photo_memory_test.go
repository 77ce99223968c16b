package handlers_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"storelens/internal/photos"
)

// busyPipeline puts a pipeline with a short wait in the faces service and
// takes its whole budget: every photo is refused as busy until release.
func (a *facesApp) busyPipeline(t *testing.T) (release func()) {
	t.Helper()
	p, err := photos.New(photos.DefaultLimits, photos.Options{Memory: 64 << 20, Wait: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	a.svc.Pipeline = p
	release, err = p.Reserve(context.Background(), p.Budget())
	if err != nil {
		t.Fatal(err)
	}
	return release
}

// While the photo pipeline is busy, a photo is refused with 503 and
// Retry-After, said in the reader's language, on the photo check faces.js
// makes, on the enrollment form without script (every field kept), and on
// the search by photo; once it has room, the same photo goes through.
func TestBusyPipelineAnswers503(t *testing.T) {
	a := newFacesApp(t)
	b := a.login("manager", managerPW)
	staff := a.group(a.shopA, "staff")
	release := a.busyPipeline(t)
	photo := testPhoto(t, "astronaut.png")
	shop := "/shops/" + itoa(a.shopA.ID) + "/faces"

	var out struct {
		OK      bool   `json:"ok"`
		Message string `json:"message"`
	}
	r := b.postMultipart(shop+"/photo", nil, []part{{"photo", "astronaut.png", photo}})
	json.Unmarshal([]byte(r.body), &out)
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") != "5" || out.OK ||
		!strings.Contains(out.Message, "The server is processing many photos right now") || !strings.Contains(out.Message, "5 seconds") {
		t.Fatalf("check: %d Retry-After %q %s", r.status, r.header.Get("Retry-After"), r.body)
	}

	fields := enrollFields(staff, "Eileen", url.Values{"age": {"6"}, "consent_by": {"李店长"}})
	for lang, msg := range map[string]string{"en": "The server is processing many photos right now", "zh-CN": "服务器正在处理大量照片"} {
		b.lang = lang
		r = b.postMultipart(shop+"/enroll", fields, []part{{"photo", "astronaut.png", photo}})
		if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") != "5" {
			t.Fatalf("%s enroll: %d Retry-After %q\n%s", lang, r.status, r.header.Get("Retry-After"), excerpt(r.body))
		}
		r.has(t, msg, `value="Eileen"`, `<option value="6" selected>`, `value="李店长"`, `value="1" checked data-testid="consent-given"`)
		r.lacks(t, `data-testid="preview-thumb"`)
	}
	b.lang = "en"
	r = b.postMultipart(shop+"/search", nil, []part{{"photo", "astronaut.png", photo}})
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
		t.Fatalf("search: %d\n%s", r.status, excerpt(r.body))
	}
	r.has(t, "The server is processing many photos right now")
	if len(a.sim.Faces("560279010301")) != 0 {
		t.Fatal("something was enrolled")
	}

	release()
	r = b.postMultipart(shop+"/enroll", fields, []part{{"photo", "astronaut.png", photo}})
	if r.status != http.StatusOK {
		t.Fatalf("after the burst: %d\n%s", r.status, excerpt(r.body))
	}
	r.has(t, `data-testid="preview-thumb"`, `value="Eileen"`, `value="李店长"`)
}

// pngHeader is a PNG declaring w x h pixels of 16-bit RGBA (8 bytes each
// decoded), with one tiny IDAT: only its header is ever read.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, c.Sum32())
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	chunk("IHDR", append(ihdr, 16, 6, 0, 0, 0))
	chunk("IDAT", []byte{0x78, 0x9c, 0x63, 0x60, 0x18, 0x05, 0xa3, 0x60, 0x14, 0x0c, 0x77, 0x00, 0x00})
	chunk("IEND", nil)
	return b.Bytes()
}

// A picture within the dimension limits that needs more than the whole
// budget (48 megapixels of 16-bit RGBA: 384 MB decoded) is refused at once,
// as a fault of the photo (422), in both languages.
func TestPhotoNeedingMoreThanTheBudget(t *testing.T) {
	a := newFacesApp(t)
	b := a.login("manager", managerPW)
	staff := a.group(a.shopA, "staff")
	path := "/shops/" + itoa(a.shopA.ID) + "/faces/enroll"
	start := time.Now()
	r := b.postMultipart(path, enrollFields(staff, "Big", nil), []part{{"photo", "big.png", pngHeader(8000, 6000)}})
	if r.status != http.StatusUnprocessableEntity || r.header.Get("Retry-After") != "" || time.Since(start) > 5*time.Second {
		t.Fatalf("status %d after %s\n%s", r.status, time.Since(start), excerpt(r.body))
	}
	r.has(t, "This picture (8000x6000 pixels) needs more memory to process than this server allows", `value="Big"`)
	b.lang = "zh-CN"
	b.postMultipart(path, enrollFields(staff, "Big", nil), []part{{"photo", "big.png", pngHeader(8000, 6000)}}).
		has(t, "这张图片(8000x6000 像素)处理时需要的内存超过了本服务器对单张照片的限制")
}

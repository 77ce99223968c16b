package faces_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"storelens/internal/faces"
	"storelens/internal/photos"
)

// fuzzMaxBytes is the largest photo the fuzzed uploads' pipeline takes:
// small, so a ZIP bomb entry costs little to refuse.
const fuzzMaxBytes = 32 << 10

func fuzzPipeline(f *testing.F) *photos.Pipeline {
	lim := photos.DefaultLimits
	lim.MaxBytes = fuzzMaxBytes
	p, err := photos.New(lim, photos.Options{Workers: 1})
	if err != nil {
		f.Fatal(err)
	}
	return p
}

type zipEntry struct {
	name string
	data []byte
}

func makeZip(tb testing.TB, entries ...zipEntry) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e.name)
		if err != nil {
			tb.Fatal(err)
		}
		w.Write(e.data)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

var jpegHead = []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0}

// readZip runs ReadZip on data in a fresh upload directory and checks what
// every outcome must satisfy: at most MaxBatch uploads, each either waiting
// on disk (within the size limit) or refused by a known reason, and exactly
// those files left in the directory (none at all after an error).
// dir is the fuzz worker's own directory (a worker runs one input at a
// time); it is emptied after each input rather than made anew, which keeps
// the target fast.
func readZip(t *testing.T, p *photos.Pipeline, dir string, data []byte) ([]faces.Upload, error) {
	s := &faces.Service{Pipeline: p, UploadDir: filepath.Join(dir, "up")}
	defer os.RemoveAll(s.UploadDir)
	zpath := filepath.Join(dir, "in.zip")
	if err := os.WriteFile(zpath, data, 0o600); err != nil {
		t.Fatal(err)
	}
	ups, err := s.ReadZip(zpath)
	left, _ := os.ReadDir(filepath.Join(s.UploadDir, "incoming"))
	if err != nil {
		var ze *faces.ZipError
		if !errors.As(err, &ze) && !errors.Is(err, faces.ErrTooManyPhotos) {
			t.Fatalf("unexpected error type %T: %v", err, err)
		}
		if ups != nil || len(left) != 0 {
			t.Fatalf("error %v left %d uploads and %d files behind", err, len(ups), len(left))
		}
		return nil, err
	}
	if len(ups) > faces.MaxBatch {
		t.Fatalf("%d uploads, more than %d", len(ups), faces.MaxBatch)
	}
	paths := map[string]bool{}
	for _, u := range ups {
		switch {
		case u.Path != "" && u.Refused != "":
			t.Fatalf("%q both waiting and refused: %+v", u.FileName, u)
		case u.Path != "":
			fi, err := os.Stat(u.Path)
			if err != nil || fi.Size() > fuzzMaxBytes || filepath.Dir(u.Path) != filepath.Join(s.UploadDir, "incoming") {
				t.Fatalf("%q waits at %s: %v, %v", u.FileName, u.Path, fi, err)
			}
			paths[filepath.Base(u.Path)] = true
		case u.Refused != "missing_file" && u.Refused != "photo:too_many_bytes":
			t.Fatalf("%q neither waiting nor refused by a known reason: %+v", u.FileName, u)
		}
	}
	if len(left) != len(paths) {
		t.Fatalf("%d files in the upload directory, %d uploads wait there", len(left), len(paths))
	}
	for _, e := range left {
		if !paths[e.Name()] {
			t.Fatalf("%s is in the upload directory but no upload's", e.Name())
		}
	}
	return ups, nil
}

// FuzzReadZip: any bytes as the uploaded ZIP.
func FuzzReadZip(f *testing.F) {
	p := fuzzPipeline(f)
	dir := f.TempDir()
	f.Add(makeZip(f,
		zipEntry{"faces/people.csv", []byte("\xef\xbb\xbf文件,姓名,性别,年龄段,自定义1\na.jpg,张三,男,4,gold\nb.jpg,李四,female,29-35,\ngone.jpg,王五,,,\n")},
		zipEntry{"faces/a.jpg", jpegHead}, zipEntry{"faces/b.jpg", jpegHead}, zipEntry{"faces/赵六.jpg", jpegHead},
		zipEntry{"__MACOSX/faces/._a.jpg", []byte("resource fork")}))
	f.Add(makeZip(f, zipEntry{"x.csv", []byte("name\nx\n")}))
	f.Add(makeZip(f, zipEntry{"big.jpg", make([]byte, fuzzMaxBytes+1)}, zipEntry{"dir/", nil}))
	f.Add([]byte("not a zip"))
	f.Fuzz(func(t *testing.T, data []byte) {
		readZip(t, p, dir, data)
	})
}

var plainName = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9_. -]{0,30}$`)

// FuzzReadZipCSV: a well-formed ZIP of the photos named (one a line) and a
// fuzzed CSV. Every photo is then uploaded at least once, a CSV line
// naming a photo the ZIP lacks is refused as missing, and nothing else is.
func FuzzReadZipCSV(f *testing.F) {
	p := fuzzPipeline(f)
	dir := f.TempDir()
	f.Add("文件,姓名,性别,年龄段,自定义1\na.jpg,张三,男,4,gold\nb.jpg,李四,female,29-35,\ngone.jpg,王五,,,\n", "a.jpg\nb.jpg\n赵六.jpg")
	f.Add("\ufefffile,name,gender,age_range,custom1,custom2,custom3,custom4,custom5\n"+
		"a.jpg,A,f,19~28,1,2,3,4,5\na.jpg,A again,0,0,,,,,\n", "a.jpg\nsub/c.png")
	f.Add("photo,名字\n\"x, y.jpg\",\"quoted \"\"name\"\"\"\n", "x, y.jpg")
	f.Add("file,gender\na.jpg,maybe\n", "a.jpg")
	f.Add("name\nx\n", "")
	f.Fuzz(func(t *testing.T, csv, names string) {
		entries := []zipEntry{{"list.csv", []byte(csv)}}
		photosIn := map[string]bool{}
		for _, n := range strings.Split(names, "\n") {
			if !plainName.MatchString(n) || strings.HasSuffix(strings.ToLower(n), ".csv") || photosIn[n] {
				continue
			}
			photosIn[n] = true
			entries = append(entries, zipEntry{"photos/" + n, jpegHead})
		}
		ups, err := readZip(t, p, dir, makeZip(t, entries...))
		if err != nil {
			return
		}
		uploaded := map[string]bool{}
		for _, u := range ups {
			base := path.Base(u.FileName)
			switch {
			case u.Refused == "missing_file":
				if photosIn[base] {
					t.Fatalf("%q refused as missing, but the ZIP holds it", u.FileName)
				}
			case u.Path != "":
				if !photosIn[base] {
					t.Fatalf("%q uploaded, but the ZIP has no such photo", u.FileName)
				}
				uploaded[base] = true
			default:
				t.Fatalf("%q refused: %q", u.FileName, u.Refused)
			}
		}
		for n := range photosIn {
			if !uploaded[n] {
				t.Fatalf("photo %q in the ZIP was not uploaded (uploads %+v)", n, ups)
			}
		}
	})
}

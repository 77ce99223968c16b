package faces_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"storelens/internal/faces"
	"storelens/internal/models"
	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmicloud/sim"
)

type file struct {
	name string
	data []byte
}

// uploads saves files as a bulk upload would.
func (e *env) uploads(files []file) []faces.Upload {
	e.t.Helper()
	var ups []faces.Upload
	for _, f := range files {
		p, err := e.svc.SaveUpload(bytes.NewReader(f.data), 0)
		if err != nil {
			e.t.Fatal(err)
		}
		ups = append(ups, faces.Upload{FileName: f.name, Path: p, Face: vendors.FaceInput{Name: faces.NameFromFile(f.name)}})
	}
	return ups
}

func (e *env) runBatch(g models.FaceGroup, files []file) (models.FaceBatch, []models.BatchItemRow) {
	e.t.Helper()
	ctx := context.Background()
	b, err := e.svc.StartBatch(ctx, e.admin, e.shop, g, consent, e.uploads(files))
	if err != nil {
		e.t.Fatal(err)
	}
	e.svc.WaitBatches()
	b, _ = e.st.FaceBatch(ctx, e.shop.ID, b.ID)
	rows, err := e.st.FaceBatchItems(ctx, b.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return b, rows
}

// One bad photo never stops the others; each gets its result; running the
// same batch again enrolls nobody twice.
func TestBulkEnrollment(t *testing.T) {
	e := newEnv(t, 0)
	ctx := context.Background()
	staff := e.group("staff")
	var files []file
	for i := range 8 {
		files = append(files, file{fmt.Sprintf("员工%02d.jpg", i+1), variant(t, i+1)})
	}
	files = append(files[:3], append([]file{
		{"cat.png", readTestdata(t, "chelsea.png")},
		{"notes.png", []byte("this is a text file")},
		{"broken.jpg", readTestdata(t, "truncated.jpg")},
	}, files[3:]...)...)
	b, rows := e.runBatch(staff, files)
	if b.State != "done" || b.FinishedAt == nil || len(rows) != 11 {
		t.Fatalf("batch %+v, %d rows", b, len(rows))
	}
	want := map[string]string{"cat.png": "photo:no_face", "notes.png": "photo:unsupported", "broken.jpg": "photo:corrupt"}
	for _, r := range rows {
		if res, bad := want[r.FileName]; bad {
			if r.State != models.ItemFailed || r.Result != res || r.FaceID != nil {
				t.Errorf("%s: %+v", r.FileName, r)
			}
			continue
		}
		if r.State != models.ItemDone || r.FaceID == nil || r.Name != strings.TrimSuffix(r.FileName, ".jpg") {
			t.Errorf("%s: %+v", r.FileName, r)
		}
	}
	if rows[4].Detail != "text" {
		t.Errorf("unsupported detail %q", rows[4].Detail)
	}
	// The photos are processed in background: the reconciler finishes them.
	waitFor(t, "8 faces enrolled", func() bool {
		e.svc.ResolvePending(ctx)
		list, _, _ := e.st.Faces(ctx, models.FaceFilter{ShopID: e.shop.ID, GroupID: staff.ID})
		n := 0
		for _, f := range list {
			if f.State == models.FaceEnrolled {
				n++
			}
		}
		return n == 8
	})
	if n := len(e.sim.Faces("560279010301")); n != 8 {
		t.Fatalf("%d at the vendor", n)
	}
	// The uploads are gone from disk (no file left; a directory may be).
	var left []string
	filepath.WalkDir(filepath.Join(e.dir, "uploads"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left = append(left, p)
		}
		return nil
	})
	if len(left) != 0 {
		t.Fatalf("uploads left: %v", left)
	}

	// The same batch again: the enrolled photos are skipped.
	_, rows = e.runBatch(staff, files)
	skipped := 0
	for _, r := range rows {
		if r.State == models.ItemSkipped && r.Result == "duplicate" && r.FaceID != nil {
			skipped++
		}
	}
	if skipped != 8 || len(e.sim.Faces("560279010301")) != 8 {
		t.Fatalf("re-run: %d skipped, %d at the vendor", skipped, len(e.sim.Faces("560279010301")))
	}
	progress, _ := e.st.FaceBatchProgress(ctx, b.ID)
	if progress.Total != 11 || progress.Queued != 0 || progress.Done != 8 || progress.Failed != 3 {
		t.Fatalf("progress %+v", progress)
	}
	if len(e.audits("face.bulk")) != 2 || len(e.audits("face.enroll")) != 8 {
		t.Fatal("batches not audited")
	}
}

// The vendor goes away in the middle of a batch: those photos fail with
// the reason and the rest go on; the same batch again sends only those,
// and nobody is enrolled twice.
func TestBulkVendorOutageMidBatch(t *testing.T) {
	e := newEnv(t, 0)
	ctx := context.Background()
	staff := e.group("staff")
	var files []file
	for i := range 10 {
		files = append(files, file{fmt.Sprintf("p%02d.jpg", i), variant(t, 40+i)})
	}
	// The outage: the 4th to 6th photos find the vendor unreachable.
	e.sim.SetFault("/face/add", sim.Fault{Drop: true, Skip: 3, Times: 3})
	b, err := e.svc.StartBatch(ctx, e.admin, e.shop, staff, consent, e.uploads(files))
	if err != nil {
		t.Fatal(err)
	}
	e.svc.WaitBatches()
	rows, _ := e.st.FaceBatchItems(ctx, b.ID)
	failed := 0
	for _, r := range rows {
		if r.State == models.ItemFailed {
			failed++
			if ve := vendors.ParseCompact(r.Detail); r.Result != "vendor" || ve.Kind != vendors.KindUnavailable || r.FaceID == nil || r.FaceState != models.FaceFailed {
				t.Errorf("failed row %+v", r)
			}
		}
	}
	if failed != 3 {
		t.Fatalf("%d failed, want 3: %+v", failed, rows)
	}
	// Again, the vendor back: the three failed are sent, seven skipped.
	b2, err := e.svc.StartBatch(ctx, e.admin, e.shop, staff, consent, e.uploads(files))
	if err != nil {
		t.Fatal(err)
	}
	e.svc.WaitBatches()
	rows, _ = e.st.FaceBatchItems(ctx, b2.ID)
	retried, skipped := 0, 0
	for _, r := range rows {
		switch {
		case r.State == models.ItemDone && r.Result == "retried":
			retried++
		case r.State == models.ItemSkipped:
			skipped++
		default:
			t.Errorf("row %+v", r)
		}
	}
	if retried != 3 || skipped != 7 {
		t.Fatalf("retried %d skipped %d", retried, skipped)
	}
	waitFor(t, "10 at the vendor", func() bool { return len(e.sim.Faces("560279010301")) == 10 })
	list, total, _ := e.st.Faces(ctx, models.FaceFilter{ShopID: e.shop.ID, GroupID: staff.ID})
	if total != 10 {
		t.Fatalf("%d faces here: %+v", total, list)
	}
}

func TestZipWithCSV(t *testing.T) {
	e := newEnv(t, 0)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, data []byte) {
		w, _ := zw.Create(name)
		w.Write(data)
	}
	add("faces/people.csv", []byte("\xef\xbb\xbf文件,姓名,性别,年龄段,自定义1\n"+
		"a.jpg,张三,男,4,gold\n"+
		"b.jpg,李四,female,29-35,\n"+
		"gone.jpg,王五,,,\n"))
	add("faces/a.jpg", variant(t, 1))
	add("faces/b.jpg", variant(t, 2))
	add("faces/赵六.jpg", variant(t, 3))
	add("__MACOSX/faces/._a.jpg", []byte("resource fork"))
	zw.Close()
	zpath := filepath.Join(e.dir, "up.zip")
	os.WriteFile(zpath, buf.Bytes(), 0o600)
	ups, err := e.svc.ReadZip(zpath)
	if err != nil {
		t.Fatal(err)
	}
	if len(ups) != 4 {
		t.Fatalf("%d uploads: %+v", len(ups), ups)
	}
	z, l, g, z6 := ups[0], ups[1], ups[2], ups[3]
	if z.Face.Name != "张三" || z.Face.Gender != vendors.GenderMale || z.Face.Age != 4 || z.Face.Custom[0] != "gold" || z.Path == "" {
		t.Errorf("a.jpg %+v", z)
	}
	if l.Face.Name != "李四" || l.Face.Gender != vendors.GenderFemale || l.Face.Age != 5 {
		t.Errorf("b.jpg %+v", l)
	}
	if g.FileName != "gone.jpg" || g.Path != "" || g.Refused != "missing_file" {
		t.Errorf("gone.jpg %+v", g)
	}
	if z6.Face.Name != "赵六" || z6.Path == "" {
		t.Errorf("赵六.jpg %+v", z6)
	}
	b, err := e.svc.StartBatch(context.Background(), e.admin, e.shop, e.group("staff"), consent, ups)
	if err != nil {
		t.Fatal(err)
	}
	e.svc.WaitBatches()
	rows, _ := e.st.FaceBatchItems(context.Background(), b.ID)
	if rows[2].State != models.ItemFailed || rows[2].Result != "missing_file" || rows[0].State != models.ItemDone || rows[3].State != models.ItemDone {
		t.Fatalf("rows %+v", rows)
	}

	// A CSV without a file column, a bad gender: refused with the line.
	for csv, key := range map[string]string{"name\nx\n": "csv_header", "file,gender\na.jpg,maybe\n": "csv_line"} {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		w, _ := zw.Create("x.csv")
		w.Write([]byte(csv))
		zw.Close()
		os.WriteFile(zpath, b.Bytes(), 0o600)
		_, err := e.svc.ReadZip(zpath)
		var ze *faces.ZipError
		if !errorsAs(err, &ze) || ze.Key != key {
			t.Errorf("%q: %v", csv, err)
		}
	}
	os.WriteFile(zpath, []byte("not a zip"), 0o600)
	if _, err := e.svc.ReadZip(zpath); err == nil {
		t.Error("garbage read as a ZIP")
	}
}

func TestParseGenderAndAge(t *testing.T) {
	for in, want := range map[string]vendors.Gender{"": "unknown", "男": "male", "F": "female", "2": "female", "未知": "unknown"} {
		if g, ok := faces.ParseGender(in); !ok || g != want {
			t.Errorf("ParseGender(%q) = %s %v", in, g, ok)
		}
	}
	if _, ok := faces.ParseGender("x"); ok {
		t.Error("x read as a gender")
	}
	for in, want := range map[string]vendors.AgeRange{"": 0, "1": 1, "56+": 8, "0-6": 1, "19~28": 4} {
		if a, ok := faces.ParseAge(in); !ok || a != want {
			t.Errorf("ParseAge(%q) = %d %v", in, a, ok)
		}
	}
	if _, ok := faces.ParseAge("9"); ok {
		t.Error("9 read as an age range")
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

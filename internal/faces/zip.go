package faces

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"storelens/internal/photos"
	"storelens/internal/vendors"
)

// Limits of a ZIP upload: entries looked at, and the CSV's size.
const (
	maxZipEntries = 2000
	maxCSVBytes   = 1 << 20
)

// ZipError is a ZIP or CSV the bulk upload cannot use, with a reason the
// page can name (Key) and a detail (the CSV line, the column).
type ZipError struct {
	Key    string // "zip", "csv", "csv_header", "csv_line", "too_many"
	Detail string
}

func (e *ZipError) Error() string { return "faces: bulk upload: " + e.Key + " " + e.Detail }

// ReadZip unpacks a ZIP of photos with an optional CSV of names and
// attributes into uploads. The CSV (the first *.csv in the ZIP; UTF-8,
// with or without a BOM) has a header row naming its columns: file, name,
// gender, age_range, custom1..custom5 (or 文件, 姓名, 性别, 年龄段, 自定义1..5).
// Only file is required. Photos the CSV does not list are enrolled under
// their file name; a CSV line naming a photo the ZIP lacks becomes an
// upload without a file (its result says so). Entries are read with the
// pipeline's size limit: a ZIP bomb fills no disk.
func (s *Service) ReadZip(zipPath string) ([]Upload, error) {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return nil, &ZipError{Key: "zip"}
	}
	defer zr.Close()
	if len(zr.File) > maxZipEntries {
		return nil, &ZipError{Key: "too_many", Detail: strconv.Itoa(len(zr.File))}
	}
	photosByName := map[string]*zip.File{}
	var order []string
	var csvFile *zip.File
	for _, f := range zr.File {
		name := path.Base(f.Name)
		if f.FileInfo().IsDir() || strings.HasPrefix(name, ".") || strings.HasPrefix(f.Name, "__MACOSX/") {
			continue
		}
		if strings.EqualFold(path.Ext(name), ".csv") {
			if csvFile == nil {
				csvFile = f
			}
			continue
		}
		if _, dup := photosByName[name]; !dup {
			photosByName[name] = f
			order = append(order, name)
		}
	}
	var rows []csvRow
	if csvFile != nil {
		if rows, err = readCSV(csvFile); err != nil {
			return nil, err
		}
	}
	if len(rows)+len(order) > 2*MaxBatch {
		return nil, ErrTooManyPhotos
	}
	var ups []Upload
	listed := map[string]bool{}
	for _, r := range rows {
		u := Upload{FileName: r.file, Face: r.face}
		if f, ok := photosByName[path.Base(r.file)]; ok {
			listed[path.Base(r.file)] = true
			if err := s.extract(f, &u); err != nil {
				Discard(ups)
				return nil, err
			}
		} else {
			u.Refused = "missing_file"
		}
		ups = append(ups, u)
	}
	sort.Strings(order)
	for _, name := range order {
		if listed[name] {
			continue
		}
		u := Upload{FileName: name, Face: vendors.FaceInput{Name: NameFromFile(name)}}
		if err := s.extract(photosByName[name], &u); err != nil {
			Discard(ups)
			return nil, err
		}
		ups = append(ups, u)
	}
	if len(ups) > MaxBatch {
		Discard(ups)
		return nil, ErrTooManyPhotos
	}
	return ups, nil
}

// extract copies one entry to the incoming directory. An entry larger than
// the pipeline takes is not copied: its upload is refused by name.
func (s *Service) extract(f *zip.File, u *Upload) error {
	rc, err := f.Open()
	if err != nil {
		return &ZipError{Key: "zip", Detail: f.Name}
	}
	defer rc.Close()
	er := &entryReader{r: rc}
	p, err := s.SaveUpload(er, 0)
	if errors.Is(err, photos.ErrTooManyBytes) {
		u.Refused = "photo:too_many_bytes"
		return nil
	}
	if er.err != nil {
		// The entry itself is damaged (bad deflate data, checksum): the
		// ZIP is unreadable, not our failure (found by FuzzReadZip).
		return &ZipError{Key: "zip", Detail: f.Name}
	}
	if err != nil {
		return err
	}
	u.Path = p
	return nil
}

// entryReader remembers the error reading a ZIP entry gave, so a damaged
// entry is told from a failure to write its copy.
type entryReader struct {
	r   io.Reader
	err error
}

func (e *entryReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

// NameFromFile is the person's name a photo's file name gives:
// "张三.jpg" -> "张三", "li_si 2.png" -> "li_si 2".
func NameFromFile(name string) string {
	base := path.Base(strings.ReplaceAll(name, "\\", "/"))
	return strings.TrimSpace(strings.TrimSuffix(base, path.Ext(base)))
}

type csvRow struct {
	file string
	face vendors.FaceInput
}

// columnNames maps the CSV header names, English or Chinese, to columns.
var columnNames = map[string]string{
	"file": "file", "photo": "file", "文件": "file", "照片": "file", "文件名": "file",
	"name": "name", "姓名": "name", "名字": "name",
	"gender": "gender", "性别": "gender",
	"age_range": "age_range", "age": "age_range", "年龄段": "age_range",
}

func readCSV(f *zip.File) ([]csvRow, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, &ZipError{Key: "csv"}
	}
	defer rc.Close()
	raw, err := io.ReadAll(io.LimitReader(rc, maxCSVBytes+1))
	if err != nil || len(raw) > maxCSVBytes || !utf8.Valid(raw) {
		return nil, &ZipError{Key: "csv"}
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	records, err := r.ReadAll()
	if err != nil {
		return nil, &ZipError{Key: "csv", Detail: err.Error()}
	}
	if len(records) == 0 {
		return nil, nil
	}
	cols := map[string]int{}
	for i, h := range records[0] {
		h = strings.ToLower(strings.TrimSpace(h))
		if c, ok := columnNames[h]; ok {
			cols[c] = i
			continue
		}
		for n := 1; n <= vendors.CustomFields; n++ {
			if h == "custom"+strconv.Itoa(n) || h == "自定义"+strconv.Itoa(n) {
				cols["custom"+strconv.Itoa(n)] = i
			}
		}
	}
	if _, ok := cols["file"]; !ok {
		return nil, &ZipError{Key: "csv_header"}
	}
	get := func(rec []string, col string) string {
		if i, ok := cols[col]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var out []csvRow
	for n, rec := range records[1:] {
		file := get(rec, "file")
		if file == "" {
			continue
		}
		row := csvRow{file: file, face: vendors.FaceInput{Name: get(rec, "name")}}
		if row.face.Name == "" {
			row.face.Name = NameFromFile(file)
		}
		var ok bool
		if row.face.Gender, ok = ParseGender(get(rec, "gender")); !ok {
			return nil, &ZipError{Key: "csv_line", Detail: fmt.Sprintf("%d: gender %q", n+2, get(rec, "gender"))}
		}
		if row.face.Age, ok = ParseAge(get(rec, "age_range")); !ok {
			return nil, &ZipError{Key: "csv_line", Detail: fmt.Sprintf("%d: age_range %q", n+2, get(rec, "age_range"))}
		}
		for i := range vendors.CustomFields {
			row.face.Custom[i] = get(rec, "custom"+strconv.Itoa(i+1))
		}
		out = append(out, row)
	}
	return out, nil
}

// ParseGender reads a gender as people write it in a sheet.
func ParseGender(v string) (vendors.Gender, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "unknown", "未知", "0":
		return vendors.GenderUnknown, true
	case "male", "m", "男", "1":
		return vendors.GenderMale, true
	case "female", "f", "女", "2":
		return vendors.GenderFemale, true
	}
	return "", false
}

// ParseAge reads an age range as its number (1-8) or its label ("19-28").
func ParseAge(v string) (vendors.AgeRange, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return vendors.AgeUnknown, true
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 && n <= 8 {
		return vendors.AgeRange(n), true
	}
	// People type 19-28, 19~28 (Sunmi's own docs) or 19–28 (our labels).
	dashes := strings.NewReplacer("~", "-", "–", "-", "—", "-")
	for _, a := range vendors.AgeRanges {
		if dashes.Replace(v) == dashes.Replace(a.Label()) {
			return a, true
		}
	}
	return 0, false
}

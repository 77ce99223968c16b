package models_test

import (
	"context"
	"testing"
	"time"

	"storelens/internal/models"
)

func TestRecordCameraStatusKeepsChangesOnly(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	sh := models.Shop{Name: "A"}
	st.CreateShop(ctx, &sh)
	if err := st.SyncCameras(ctx, sh.ID, "v", []models.Camera{{SN: "1", Online: true}}); err != nil {
		t.Fatal(err)
	}
	cams, _ := st.Cameras(ctx, sh.ID)
	id := cams[0].ID
	t0 := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	steps := []struct {
		online  bool
		at      time.Time
		changed bool
	}{
		{true, t0, true},                       // first record
		{true, t0.Add(5 * time.Minute), false}, // same state
		{false, t0.Add(10 * time.Minute), true},
		{false, t0.Add(15 * time.Minute), false},
		{true, t0.Add(20 * time.Minute), true},
	}
	for i, s := range steps {
		changed, err := st.RecordCameraStatus(ctx, id, s.online, s.at)
		if err != nil || changed != s.changed {
			t.Fatalf("step %d: changed %v err %v", i, changed, err)
		}
		cam, _ := st.Camera(ctx, sh.ID, id)
		if cam.Online != s.online || !cam.StatusCheckedAt.Equal(s.at) {
			t.Fatalf("step %d: camera %+v", i, cam)
		}
		if i == 3 && (cam.OfflineSince == nil || !cam.OfflineSince.Equal(t0.Add(10*time.Minute))) {
			t.Fatalf("offline since %v, want the first offline sighting", cam.OfflineSince)
		}
		if i == 4 && cam.OfflineSince != nil {
			t.Fatal("offline since kept after coming back")
		}
	}
	events, before, err := st.CameraStatusHistory(ctx, id, t0.Add(time.Minute))
	if err != nil || len(events) != 2 || before == nil || !before.Online || events[0].Online {
		t.Fatalf("history %+v before %+v %v", events, before, err)
	}
}

package sim

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// snapshotVersion lets a later simulator refuse or convert an older file.
const snapshotVersion = 1

// snapshot is the persisted state. It has its own field names so that the
// file format does not change when the Go structs do.
type snapshot struct {
	Version   int            `json:"version"`
	Apps      []snapshotApp  `json:"apps"`
	Shops     []snapshotShop `json:"shops"`
	Devices   []snapshotDev  `json:"devices"`
	NextIpcID int64          `json:"next_ipc_id"`
	Faces     *faceSnapshot  `json:"faces,omitempty"` // faces_snapshot.go
}

type snapshotApp struct {
	AppID  string `json:"app_id"`
	Secret string `json:"secret"`
}

type snapshotShop struct {
	ShopNo    string `json:"sunmi_shop_no"`
	ShopID    string `json:"shop_id"`
	CompanyNo string `json:"sunmi_company_no"`
	Name      string `json:"name"`
	AppID     string `json:"app_id"`
}

type snapshotDev struct {
	IpcID            string    `json:"ipc_id"`
	SN               string    `json:"ipc_sn"`
	MAC              string    `json:"mac"`
	Name             string    `json:"ipc_name"`
	Model            string    `json:"model_name"`
	Firmware         string    `json:"software_version"`
	Online           bool      `json:"online"`
	ConnectTime      time.Time `json:"connect_time"`
	CheckVersionTime time.Time `json:"check_version_time"`
	ShopNo           string    `json:"sunmi_shop_no"`
}

// Snapshot returns the apps (with their secrets: store the result as a
// secret), shops and devices as JSON, sorted so equal states give equal
// bytes. Faults and the call log are not part of it.
func (s *Server) Snapshot() ([]byte, error) {
	s.mu.Lock()
	snap := snapshot{Version: snapshotVersion, NextIpcID: s.nextIpcID}
	for id, secret := range s.apps {
		snap.Apps = append(snap.Apps, snapshotApp{AppID: id, Secret: secret})
	}
	for _, sh := range s.shops {
		snap.Shops = append(snap.Shops, snapshotShop(*sh))
	}
	for _, d := range s.devices {
		snap.Devices = append(snap.Devices, snapshotDev(*d))
	}
	snap.Faces = s.faceSnapshotLocked()
	s.mu.Unlock()

	slices.SortFunc(snap.Apps, func(a, b snapshotApp) int { return strings.Compare(a.AppID, b.AppID) })
	slices.SortFunc(snap.Shops, func(a, b snapshotShop) int { return strings.Compare(a.ShopNo, b.ShopNo) })
	slices.SortFunc(snap.Devices, func(a, b snapshotDev) int { return strings.Compare(a.SN, b.SN) })
	b, err := json.MarshalIndent(snap, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("sunmicloud sim: snapshot: %w", err)
	}
	return b, nil
}

// Restore replaces the apps, shops and devices with those in b (from
// Snapshot). On error the state is left as it was. Faults and the call log
// are kept.
func (s *Server) Restore(b []byte) error {
	var snap snapshot
	if err := json.Unmarshal(b, &snap); err != nil {
		return fmt.Errorf("sunmicloud sim: restore: %w", err)
	}
	if snap.Version != snapshotVersion {
		return fmt.Errorf("sunmicloud sim: restore: unsupported snapshot version %d", snap.Version)
	}
	apps := make(map[string]string, len(snap.Apps))
	for _, a := range snap.Apps {
		apps[a.AppID] = a.Secret
	}
	shops := make(map[string]*Shop, len(snap.Shops))
	for _, sh := range snap.Shops {
		v := Shop(sh)
		shops[v.ShopNo] = &v
	}
	devices := make(map[string]*Device, len(snap.Devices))
	for _, d := range snap.Devices {
		v := Device(d)
		v.MAC = normalizeMAC(v.MAC)
		devices[v.SN] = &v
	}
	next := max(snap.NextIpcID, firstIpcID)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps, s.shops, s.devices, s.nextIpcID = apps, shops, devices, next
	s.restoreFacesLocked(snap.Faces)
	clear(s.jpegs)
	return nil
}

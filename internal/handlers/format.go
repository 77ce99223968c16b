package handlers

import (
	"fmt"
	"time"

	"storelens/internal/models"
)

// zone loads a shop's time zone; an unknown name falls back to the default
// (a shop's zone is validated on save, so this is only belt and braces).
func zone(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	loc, _ := time.LoadLocation(models.DefaultTimezone)
	return loc
}

// formatTime shows an instant in a shop's zone; "—" when unknown.
func formatTime(t *time.Time, loc *time.Location) string {
	if t == nil || t.IsZero() {
		return "—"
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

func shopHref(id uint) string              { return fmt.Sprintf("/shops/%d", id) }
func cameraHref(shop, cam uint) string     { return fmt.Sprintf("/shops/%d/cameras/%d", shop, cam) }
func screenshotHref(shop, cam uint) string { return cameraHref(shop, cam) + "/screenshot" }

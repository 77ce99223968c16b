package sunmilan

import "context"

// SDStatus is the SD card's state (003 Basic 25).
type SDStatus int

// The SD card states.
const (
	SDUnplugged   SDStatus = 0
	SDUnformatted SDStatus = 1
	SDWorking     SDStatus = 2
	SDUnknown     SDStatus = 3
)

// SDStatus reads /config/getMemoryCardStatus.
func (c *Client) SDStatus(ctx context.Context) (SDStatus, error) {
	var d struct {
		Status num `json:"status"`
	}
	err := c.call(ctx, request{Path: "/config/getMemoryCardStatus", Read: true}, &d)
	return SDStatus(d.Status), err
}

// FormatSD erases the SD card (/config/formatMemoryCard). Never retried.
func (c *Client) FormatSD(ctx context.Context) error {
	return c.call(ctx, request{Path: "/config/formatMemoryCard"}, nil)
}

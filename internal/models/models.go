package models

import "time"

// Role is what a user may do: admins everything, managers only their shops.
type Role string

// The two roles.
const (
	RoleAdmin   Role = "admin"
	RoleManager Role = "manager"
)

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleManager }

// User is a person who signs in.
type User struct {
	ID             uint `gorm:"primaryKey"`
	Username       string
	DisplayName    string
	PasswordHash   string
	Role           Role
	Disabled       bool
	SessionVersion int
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Shops          []Shop `gorm:"many2many:user_shops"`
}

// IsAdmin reports whether the user may do everything.
func (u *User) IsAdmin() bool { return u.Role == RoleAdmin }

// VendorAccount is the credentials of one account at a vendor. SecretEnc is
// sealed with the installation key; only the vendor registry opens it.
type VendorAccount struct {
	ID              uint `gorm:"primaryKey"`
	Vendor          string
	Name            string
	BaseURL         string
	AppID           string
	SecretEnc       []byte
	CompanyNo       string
	LastTestAt      *time.Time
	LastTestOK      bool `gorm:"column:last_test_ok"`
	LastTestMessage string
	// Sunmi LAN accounts (migration 0002): sealed like SecretEnc.
	ActivationCodeEnc     []byte
	ClientCertEnc         []byte // a PKCS#12 file
	ClientCertPasswordEnc []byte
	ClientCertName        string // the uploaded file's name, to show
	// ViaShopID: a server inside that shop's LAN (a SenseLink server),
	// reached through the shop's on-site connector (migration 0030).
	ViaShopID *uint
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Shop is one store. Its identifiers at Sunmi cloud (sunmi_shop_no, or the
// partner's shop_id, and the company number) say which vendor shop it is.
type Shop struct {
	ID             uint `gorm:"primaryKey"`
	Name           string
	Address        string
	City           string
	Timezone       string
	SunmiAccountID *uint
	SunmiShopNo    string
	SunmiShopID    string
	SunmiCompanyNo string
	// SenseLinkAccountID links the shop to a SenseLink company, whose
	// face library is account-wide (not per shop).
	SenseLinkAccountID *uint `gorm:"column:senselink_account_id"`
	CamerasSyncedAt    *time.Time
	CamerasSyncError   string
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// HasSunmi reports whether the shop is linked to a Sunmi cloud shop.
func (s *Shop) HasSunmi() bool {
	return s.SunmiAccountID != nil && (s.SunmiShopNo != "" || s.SunmiShopID != "")
}

// HasSenseLink reports whether the shop is linked to a SenseLink account.
func (s *Shop) HasSenseLink() bool { return s.SenseLinkAccountID != nil }

// Camera is a camera of a shop as last seen at its vendor.
type Camera struct {
	ID             uint `gorm:"primaryKey"`
	ShopID         uint
	Vendor         string
	VendorDeviceID string // Sunmi ipc_id
	SN             string `gorm:"column:sn"`
	Name           string
	Model          string
	Firmware       string
	MAC            string `gorm:"column:mac"`
	Online         bool
	LastConnectAt  *time.Time
	CheckVersionAt *time.Time
	ScreenshotURL  string // the vendor's URL, never sent to a browser
	SyncedAt       *time.Time
	// LAN cameras (vendor sunmilan, migration 0002).
	LANAccountID    *uint `gorm:"column:lan_account_id"`
	Address         string
	CertFingerprint string
	CertPresented   string
	Activated       bool
	NetworkMode     string
	// Event delivery (migration 0008): "" off, "webhook" or "channel"; a
	// channel port of 0 is the camera's 10021.
	EventDelivery string
	ChannelPort   int
	// HookCallback is the callback the camera was subscribed to post to
	// (migration 0011), "" when it posts to none of ours.
	HookCallback string
	// Status history (migration 0002).
	OfflineSince    *time.Time
	StatusCheckedAt *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// AuditEntry records who did what to which thing.
type AuditEntry struct {
	ID         uint `gorm:"primaryKey"`
	At         time.Time
	UserID     *uint
	Username   string
	Action     string
	TargetType string
	TargetID   string
	Detail     string
	IP         string `gorm:"column:ip"`
}

// AppSetting is one key/value fact about the installation.
type AppSetting struct {
	Key   string `gorm:"primaryKey"`
	Value string
}

// Session is one scs session row.
type Session struct {
	Token  string `gorm:"primaryKey"`
	Data   []byte
	Expiry time.Time
}

// AllModels lists every model, for the schema drift test.
func AllModels() []any {
	return append([]any{&User{}, &VendorAccount{}, &Shop{}, &Camera{}, &AuditEntry{}, &AppSetting{}, &Session{},
		&CameraStatusEvent{}, &Event{}, &ShopEventSettings{},
		&FaceGroup{}, &Face{}, &FaceDeletion{}, &FaceBatch{}, &FaceBatchItem{}}, trafficModels()...)
}

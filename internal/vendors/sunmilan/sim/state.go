package sim

import "slices"

// AP is a Wi-Fi network the camera sees.
type AP struct{ SSID, KeyMgmt string }

// DoorLine is the people-flow threshold (003 Customer Flow Statistics 1).
type DoorLine struct{ Resolution, StartX, StartY, EndX, EndY int }

// State is everything a camera keeps. Endpoint files read and change it
// with the camera's mutex held; a new endpoint group adds its fields here.
type State struct {
	Activated bool
	Name      string

	SSID, WifiPassword               string
	APs                              []AP
	Proto                            string // "dhcp" or "static"
	IP, Netmask, Gateway, DNS1, DNS2 string

	Zoom, Focus, FocusX, FocusY int
	IRMode                      int
	MotionLevel, AudioLevel     int
	Weekday, Start, Stop        int
	LED                         int
	Rotation                    int
	Angles                      []string
	SDStatus                    int
	OptimizeSeconds             int

	DoorLine          DoorLine
	FaceRecogInterval int
	JudgeMode         int
	Hooks             map[string][]string // topic -> callbacks
	// The face library (faces.go): groups by name (NOTES 51), records, and
	// the next faceid the camera gives.
	FaceGroups             []Group
	Faces                  []Face
	NextFaceID             int64
	Reboots, FactoryResets int
	// Flow is what the people counter has recorded (peoplestat.go); nil:
	// nothing yet, so every statistics call answers "no record".
	Flow *FlowProfile
	// Recorded is what the SD card holds (video.go): spans of continuous
	// recording, cut into one-minute files.
	Recorded []Span
}

func (s State) clone() State {
	s.APs = slices.Clone(s.APs)
	s.Angles = slices.Clone(s.Angles)
	s.Recorded = slices.Clone(s.Recorded)
	s.FaceGroups = slices.Clone(s.FaceGroups)
	for i := range s.FaceGroups {
		s.FaceGroups[i].Attrs = slices.Clone(s.FaceGroups[i].Attrs)
	}
	s.Faces = slices.Clone(s.Faces)
	for i := range s.Faces {
		s.Faces[i] = s.Faces[i].clone()
	}
	hooks := make(map[string][]string, len(s.Hooks))
	for k, v := range s.Hooks {
		hooks[k] = slices.Clone(v)
	}
	s.Hooks = hooks
	return s
}

// defaultGroups are what activation leaves (003 Device Management 1; the
// zh doc's "regulart" is a typo, NOTES 49), with the rule of 003 Face
// Recognition 3 ("5 times in 7 days by default") and capacities that leave
// 20,000 of the 30,000 to user groups (003 gives none).
func defaultGroups() []Group {
	return []Group{
		{Name: "stranger", Description: "this is stranger group", Capacity: 5000, Times: 5, Period: 7},
		{Name: "regular", Description: "this is regular group", Capacity: 5000},
	}
}

// factoryState is a camera out of the box (and after /device/reset).
func factoryState(o Options) State {
	return State{
		Name:  o.Name,
		APs:   []AP{{"TP-LINK_3475", "WPA-PSK"}, {"WeWork", "WPA-PSK"}, {"WeWorkCorp", "WPA-PSK"}},
		Proto: "dhcp",
		IP:    "192.168.1.107", Netmask: "255.255.255.0", Gateway: "192.168.1.1", DNS1: "202.96.128.86", DNS2: "202.96.134.166",
		FocusX: 50, FocusY: 50,
		IRMode:      2,
		MotionLevel: 2, AudioLevel: 2, Weekday: 1 << 7, Start: 0, Stop: 1440,
		LED:               1,
		Angles:            []string{"0", "90", "180", "270"},
		SDStatus:          2,
		OptimizeSeconds:   2,
		DoorLine:          DoorLine{Resolution: 0, StartX: 480, StartY: 900, EndX: 1440, EndY: 900},
		FaceRecogInterval: 60, JudgeMode: 1,
		Hooks:      map[string][]string{},
		FaceGroups: defaultGroups(), NextFaceID: 1,
	}
}

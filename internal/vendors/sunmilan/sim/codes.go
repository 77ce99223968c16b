package sim

// Result codes (see doc.go: 003 has no table, NOTES 37).
const (
	codeOK            = 0
	codeSign          = 1
	codeParam         = 2
	codeTimestamp     = 3
	codeActivated     = 4
	codeNotActivated  = 5
	codeInternal      = 7
	codeWrongSN       = 8
	codeNoInternet    = 9
	codeAfterActivate = 12
	codeSSID          = 100
	codeWifiPassword  = 101
	codeZoom          = 110
	codeFocus         = 111
	codeFocusPoint    = 112
	codeIRMode        = 113
	codeMotionLevel   = 114
	codeAudioLevel    = 115
	codeWeekday       = 116
	codeDetectTime    = 117
	codeName          = 118
	codeLED           = 119
	codeRotation      = 120
	codeNoSD          = 220
	codeSDBusy        = 221
	codeSnapshot      = 233
	codeFlowNotReady  = 277
	codeDoorLine      = 278
	codeNoRecord      = 280 // a statistics range without any record (doc.go)
	codeHookEvent     = 310
	codeHookModel     = 311
)

package senselink

import (
	"strings"

	"storelens/internal/vendors"
)

const (
	codeOK      = 200
	codeSimilar = 30002 // Similar User Exist: *vendors.SimilarFaceError
	codeNoFace  = 30003
)

// commonKinds is 004 §5, the error-code table.
var commonKinds = map[int]vendors.Kind{
	10001: vendors.KindAuth,          // App Key Not Exist
	10002: vendors.KindAuth,          // App Expired
	10003: vendors.KindClock,         // Request Expired (30 minutes)
	10004: vendors.KindAuth,          // IP Invalid (whitelist)
	10005: vendors.KindAuth,          // Signature Failed
	20001: vendors.KindAuth,          // Company Out Of Date
	20002: vendors.KindAuth,          // Permission Denied
	30001: vendors.KindInvalidParam,  // Param Invalid
	30002: vendors.KindDuplicate,     // Similar User Exist
	30003: vendors.KindPhotoRejected, // No Face Detected In The Image
	30004: vendors.KindInvalidParam,  // Missing Param
	30005: vendors.KindPhotoRejected, // Avatar File Illegal
	50001: vendors.KindInternal,      // RPC Failed
	50002: vendors.KindInternal,      // Internal Server Error
	50003: vendors.KindInternal,      // Multi Request Error
	50004: vendors.KindOther,         // Request Method Not Allowed
	99999: vendors.KindOther,         // Unknown Error
	620:   vendors.KindNotFound,      // Record non-existent
	610:   vendors.KindDuplicate,     // Similar record Exist (same name at the same level)
	650:   vendors.KindNotEmpty,      // Cannot delete unless include nothing
}

// pathKinds are per-endpoint meanings: /api/v1/group/update answers 320
// "参数无效" for an unknown group (NOTES 86).
var pathKinds = map[string]map[int]vendors.Kind{
	"/api/v1/group/update": {320: vendors.KindNotFound},
	// §6.4.4-5: 620 "参数不存在" is an unknown group (NOTES 86).
	"/api/v1/user/add/group":    {620: vendors.KindGroupUnknown},
	"/api/v1/user/remove/group": {620: vendors.KindGroupUnknown},
}

func kindFor(path string, code int) vendors.Kind {
	for p, m := range pathKinds {
		if strings.HasPrefix(path, p) {
			if k, ok := m[code]; ok {
				return k
			}
		}
	}
	if k, ok := commonKinds[code]; ok {
		return k
	}
	return vendors.KindOther
}

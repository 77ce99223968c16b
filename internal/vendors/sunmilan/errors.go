package sunmilan

import "storelens/internal/vendors"

// Result codes with a decided meaning. 003 names ~40 codes and defines
// none (NOTES 37); these five are the decision the simulator follows too.
// Every other code is shown raw.
const (
	CodeSign         = 1 // signature refused
	CodeParam        = 2 // invalid parameter
	CodeTimestamp    = 3 // timestamp expired
	CodeNotActivated = 5 // the camera is not activated
	CodeInternal     = 7 // internal error
)

var commonKinds = map[int]vendors.Kind{
	CodeSign:         vendors.KindAuth,
	CodeParam:        vendors.KindInvalidParam,
	CodeTimestamp:    vendors.KindClock,
	CodeNotActivated: vendors.KindNotActivated,
	CodeInternal:     vendors.KindInternal,
}

// opKinds are per-call meanings (the codes of 003's per-call lists whose
// meaning the call makes plain).
var opKinds = map[string]map[int]vendors.Kind{}

func kindFor(op string, code int) vendors.Kind {
	if k, ok := opKinds[op][code]; ok {
		return k
	}
	if k, ok := commonKinds[code]; ok {
		return k
	}
	return vendors.KindOther
}

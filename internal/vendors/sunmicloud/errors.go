package sunmicloud

import "storelens/internal/vendors"

// commonKinds are the codes that mean the same in every call (NOTES.md
// "Signing": Sunmi's public error-code page, and 000's per-call tables).
var commonKinds = map[int]vendors.Kind{
	5000: vendors.KindInternal,      // 数据库错误
	5011: vendors.KindDeviceOffline, // 与设备通讯错误
	5013: vendors.KindNoData,        // 未找到数据
	5020: vendors.KindInvalidParam,  // 无效参数
	5021: vendors.KindInvalidParam,  // 非法参数(时间区间超限)
	5022: vendors.KindInvalidParam,
	5025: vendors.KindInvalidParam, // 时间参数错误 (passengerFlow frequency)
	5079: vendors.KindInvalidMAC,   // 无效mac地址
	5090: vendors.KindAuth,         // invalid sign
	5091: vendors.KindClock,        // invalid timestamp
	5092: vendors.KindInvalidParam, // invalid random
	5501: vendors.KindDeviceUnknown,
	5506: vendors.KindDeviceUnknown, // 数据库中未找到该ipc设备信息
	5510: vendors.KindNotBound,
}

// opKinds are the per-call meanings of overloaded codes (NOTES.md item 22).
var opKinds = map[string]map[int]vendors.Kind{
	"/device/ipc/bind":             {5509: vendors.KindAlreadyBound},
	"/device/ipc/getListByCompany": {5041: vendors.KindBindingBroken},
}

func kindFor(op string, code int) vendors.Kind {
	if k, ok := opKinds[op][code]; ok {
		return k
	}
	if k, ok := commonKinds[code]; ok {
		return k
	}
	return vendors.KindOther
}

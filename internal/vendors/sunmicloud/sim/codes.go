package sim

// Result codes used by the device-management endpoints. The numbers and the
// Chinese messages are the ones printed in 000's error-code tables; 5090-5092
// come from Sunmi's public error-code page (NOTES "Signing / Sunmi cloud").
const (
	codeOK             = 0
	codeDatabase       = 5000 // 数据库错误
	codeDeviceComm     = 5011 // 与设备通讯错误
	codeNoData         = 5013 // 未找到数据 / 未查询到数据
	codeInvalidParam   = 5020 // 无效参数
	codeBadBinding     = 5041 // 绑定关系有问题 (getListByCompany)
	codeInvalidMAC     = 5079 // 无效mac地址
	codeInvalidSign    = 5090 // invalid sign
	codeInvalidTime    = 5091 // invalid timestamp
	codeInvalidRandom  = 5092 // invalid random
	codeNoDevice       = 5501 // 设备不存在
	codeDeviceNotInDB  = 5506 // 数据库中未找到该ipc设备信息
	codeAlreadyBound   = 5509 // 设备被绑定
	codeNotBound       = 5510 // 设备未绑定
	noEnvelope         = -1   // Call.Code when no {code,msg,data} body was sent
	unknownCodeMessage = "error"
)

// commonMessages is the fallback text for a code. NOTES 22 decides that
// messages are per endpoint, because 000/001 reuse numbers for different
// meanings; endpointMessages holds the per-endpoint wording.
var commonMessages = map[int]string{
	codeOK:            "succeed",
	codeDatabase:      "数据库错误",
	codeDeviceComm:    "与设备通讯错误",
	codeNoData:        "未找到数据",
	codeInvalidParam:  "无效参数",
	5021:              "非法参数(时间区间超限)",
	5025:              "时间参数错误",
	codeBadBinding:    "invalid saas provider",
	codeInvalidMAC:    "无效mac地址",
	codeInvalidSign:   "invalid sign",
	codeInvalidTime:   "invalid timestamp",
	codeInvalidRandom: "invalid random",
	codeNoDevice:      "设备不存在",
	codeDeviceNotInDB: "数据库中未找到该ipc设备信息",
	codeAlreadyBound:  "设备被绑定",
	codeNotBound:      "设备未绑定",
	5515:              "超出截图时常",
}

// endpointMessages copies each device endpoint's own error table in 000
// 设备管理 §2.3.1-2.3.6 where its wording differs from commonMessages.
var endpointMessages = map[string]map[int]string{
	pathGetList: {
		codeNoData: "未查询到数据", // §2.3.1
	},
	pathGetInfo: {
		codeNoData:   "未找到数据",    // §2.3.2
		codeNoDevice: "ipc设备不存在", // §2.3.2
	},
	pathUpdateName: {
		codeNoData:   "未找到数据",    // §2.3.3
		codeNoDevice: "ipc设备不存在", // §2.3.3
	},
	pathBind: {
		codeNoData:   "未找到数据", // §2.3.4
		codeNoDevice: "设备不存在", // §2.3.4
	},
	pathUnbind: {
		codeNoData:   "未查询到数据", // §2.3.5
		codeNoDevice: "设备不存在",  // §2.3.5
	},
	pathGetListByCompany: {
		codeNoData:     "未查询到数据",  // not in §2.3.6's table; see doc.go
		codeBadBinding: "绑定关系有问题", // §2.3.6
	},
}

// message returns the text that goes with code on path.
func message(path string, code int) string {
	if m, ok := faceMessages[path][code]; ok {
		return m
	}
	if m, ok := endpointMessages[path][code]; ok {
		return m
	}
	if m, ok := commonMessages[code]; ok {
		return m
	}
	return unknownCodeMessage
}

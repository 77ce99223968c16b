package sim

// Result codes of the face APIs, with the wording of 001's per-endpoint
// error tables (NOTES 22: 5041, 5506 and 5509 mean something else in 000's
// device APIs, so messages are looked up per endpoint).
const (
	codeShopMissing         = 5041 // 请求中未找到shop_id参数
	codeGroupNotEmpty       = 5509 // 非空人脸库 (group delete)
	codeNotFound            = 5506 // 未查询到该数据 / 未找到数据
	codeGroupCreateFailed   = 5518 // 人脸库创建失败 (only as a fault: nothing here fails so)
	codeFaceLimit           = 5520 // 已经达到最大人脸分组数量或已经达到最大人脸容量
	codeFaceNotInGroup      = 5521 // 指定人脸分组中不存在该人脸信息
	codeGroupMissing        = 5522 // 人脸库不存在
	codeGroupExists         = 5523 // 已经存在该人脸分组
	codeDefaultUndeletable  = 5524 // 默认人脸库不允许被删除
	codeDefaultUnmodifiable = 5525 // 默认人脸库不允许修改
)

// faceMessages is each face endpoint's error table in 001 §3.3.1-3.3.12.
var faceMessages = func() map[string]map[int]string {
	common := map[int]string{codeDatabase: "数据库错误", codeNoData: "未找到数据", codeShopMissing: "请求中未找到shop_id参数",
		codeFaceLimit: "已经达到最大人脸分组数量或已经达到最大人脸容量"}
	with := func(extra map[int]string) map[int]string {
		m := map[int]string{}
		for k, v := range common {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	return map[string]map[int]string{
		pathGroupList:     with(nil),
		pathGroupInfo:     with(nil),
		pathGroupCreate:   with(map[int]string{codeGroupCreateFailed: "人脸库创建失败", codeGroupExists: "已经存在该人脸分组"}),
		pathGroupUpdate:   with(map[int]string{codeNotFound: "未查询到该数据", codeDefaultUnmodifiable: "默认人脸库不允许修改", codeGroupExists: "已经存在该人脸分组"}),
		pathGroupDelete:   with(map[int]string{codeNotFound: "未查询到该数据", codeDefaultUndeletable: "默认人脸库不允许被删除", codeGroupNotEmpty: "非空人脸库"}),
		pathGroupFaceList: with(map[int]string{codeNotFound: "未查询到数据"}),
		pathFaceInfo:      with(map[int]string{codeNotFound: "未找到数据"}),
		pathFaceAdd:       with(nil),
		pathFaceUpdate:    with(map[int]string{codeFaceNotInGroup: "指定人脸分组中不存在该人脸信息"}),
		pathFaceDelete:    with(nil),
		pathGroupMove:     with(map[int]string{codeFaceNotInGroup: "指定人脸分组中不存在该人脸信息", codeGroupMissing: "人脸库不存在"}),
		pathMoveStrategy:  with(map[int]string{codeNotFound: "未查询到该数据", codeDefaultUnmodifiable: "默认人脸分组的信息无法修改"}),
	}
}()

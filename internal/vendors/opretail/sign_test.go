package opretail

import "testing"

// NOTES.md "Signing / OpRetail": the vector, worked by hand. Sorted
// byte-wise, the system parameters (all starting with "_", 0x5F) come
// before the business ones (lower case), and endTime before
// isOnBusinessTime before startTime:
//
//	s3cr3t
//	_aidS107 _akeydemo-key _formatjson
//	_mtopen.shopweb.passengerFlow.getPassengerIndicatorData
//	_requestModepost _smmd5 _timestamp20260110093000 _versionv1
//	depId10086 endTime2026-01-09 23:59:59 isOnBusinessTime0
//	startTime2026-01-09 00:00:00
//	s3cr3t
//
// (without the line breaks and spaces between pairs), MD5, upper case.
func TestSignVector(t *testing.T) {
	p := map[string]string{
		"_aid": "S107", "_akey": "demo-key", "_format": "json", "_mt": MethodIndicator, "_requestMode": "post",
		"_sm": "md5", "_timestamp": "20260110093000", "_version": "v1",
		"depId": "10086", "startTime": "2026-01-09 00:00:00", "endTime": "2026-01-09 23:59:59", "isOnBusinessTime": "0",
		"_sig": "ignored",
	}
	want := "s3cr3t_aidS107_akeydemo-key_formatjson_mtopen.shopweb.passengerFlow.getPassengerIndicatorData" +
		"_requestModepost_smmd5_timestamp20260110093000_versionv1depId10086endTime2026-01-09 23:59:59" +
		"isOnBusinessTime0startTime2026-01-09 00:00:00s3cr3t"
	if got := SignString(p, "s3cr3t"); got != want {
		t.Fatalf("sign string\n got %s\nwant %s", got, want)
	}
	if got := Sign(p, "s3cr3t"); got != "6C07CB0DDEB07578B21BBE4A843EB4FD" {
		t.Fatalf("sig %s", got)
	}
	// Empty values are signed too; byte-wise order puts endTime before endhour.
	q := map[string]string{"endhour": "", "endTime": "x"}
	if got := SignString(q, "k"); got != "kendTimexendhourk" {
		t.Fatalf("empty value: %s", got)
	}
}

package main

import (
	"crypto/tls"
	"fmt"
	"io"
	"time"

	"storelens/internal/auth"
	slsim "storelens/internal/vendors/senselink/sim"
	lansim "storelens/internal/vendors/sunmilan/sim"
)

// serveDevices starts the devices area's simulators: one Sunmi camera on
// "the LAN" (HTTPS, and discovery on UDP) waiting to be activated, and a
// SenseLink server with a small company. It prints what to type into
// StoreLens and returns a stop function.
// cert, when set, is the certificate the SenseLink simulator serves (the one
// written for --vendor-ca).
func serveDevices(out io.Writer, lanAddr, discoveryAddr, senselinkAddr string, cert *tls.Certificate) (func(), error) {
	appID, secret, activation := "LANAPP0188", auth.RandomPassword(20), auth.RandomPassword(16)
	cam, err := lansim.New(lansim.Options{SN: "C201D8BS00188", Model: "FM020", MAC: "0C25766F5188", Name: "SUNMI FM020",
		AppID: appID, Secret: secret, ActivationCode: activation})
	if err != nil {
		return nil, err
	}
	// Its door counter has a month of counts (Customer Flow Statistics).
	cam.SetPeopleFlow(lansim.FlowProfile{Seed: 2026, Size: 24, Opens: 9, Closes: 22, Since: time.Now().AddDate(0, 0, -30)})
	addr, err := cam.Start(lanAddr)
	if err != nil {
		return nil, err
	}
	resp, err := lansim.ListenDiscovery(discoveryAddr, cam)
	if err != nil {
		cam.Close()
		return nil, err
	}
	sl := slsim.New("鲜果时光(上海)商贸有限公司", slsim.Options{})
	key, slSecret := "vendorsim"+auth.RandomPassword(8), auth.RandomPassword(20)
	sl.AddApp(key, slSecret)
	typ := sl.AddDeviceType(slsim.DeviceType{Name: "SenseKeeper 人脸识别闸机", Identifier: "SKP"})
	staff := sl.AddGroup(slsim.Group{Name: "默认组", Type: 1, Users: 12})
	sl.AddDevice(slsim.Device{SN: "SKP-e6f99b5b31792d024172498b45eaab5f", Name: "员工通道", TypeID: typ, Online: true, StaffGroups: []int64{staff}})
	ops := sl.AddDepartment(slsim.Department{Name: "门店运营部", Code: "OPS", UserNum: 2})
	sl.AddDepartment(slsim.Department{ParentID: ops, Name: "南京西路店", Code: "SH-001"})
	slBase, stopSL, err := serveLoopback(out, "senselink", senselinkAddr, sl, cert)
	if err != nil {
		resp.Close()
		cam.Close()
		return nil, err
	}
	fmt.Fprintf(out, "Sunmi LAN camera simulator (C201D8BS00188, not activated)\n  HTTPS      %s (its own self-signed certificate: pinned on first use)\n"+
		"  discovery  udp %s (set it as the discovery target of a shop's LAN cameras tab)\n  app_id     %s\n  secret key %s\n  activation %s\n",
		addr, resp.Addr(), appID, secret, activation)
	fmt.Fprintf(out, "SenseLink simulator\n  base URL   %s\n  app_key    %s\n  app_secret %s\n", slBase, key, slSecret)
	return func() {
		stopSL()
		resp.Close()
		cam.Close()
	}, nil
}

package handlers

// DevicesDeps is what the devices area needs, built in cmd/web.
type DevicesDeps struct{}

// registerDevices adds the devices area's routes, navigation and shop tabs.
func (s *Server) registerDevices(rt routes) {}

package handlers

// TrafficDeps is what the traffic area needs, built in cmd/web.
type TrafficDeps struct{}

// registerTraffic adds the traffic area's routes, navigation and shop tabs.
func (s *Server) registerTraffic(rt routes) {}

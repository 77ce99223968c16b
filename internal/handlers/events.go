package handlers

// EventsDeps is what the events area needs, built in cmd/web.
type EventsDeps struct{}

// registerEvents adds the events area's routes, navigation and shop tabs.
func (s *Server) registerEvents(rt routes) {}

package handlers

// VideoDeps is what the video area needs, built in cmd/web.
type VideoDeps struct{}

// registerVideo adds the video area's routes, navigation and shop tabs.
func (s *Server) registerVideo(rt routes) {}

package handlers

// FacesDeps is what the faces area needs, built in cmd/web.
type FacesDeps struct{}

// registerFaces adds the faces area's routes, navigation and shop tabs.
func (s *Server) registerFaces(rt routes) {}

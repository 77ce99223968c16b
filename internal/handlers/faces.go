package handlers

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"storelens/internal/faces"
	"storelens/internal/models"
)

// FacesDeps is what the faces area needs, built in cmd/web.
type FacesDeps struct {
	// Service runs the face flows; nil leaves the area out.
	Service *faces.Service
	// UploadTTL is how long a checked enrollment photo waits for its
	// form (faces_pending.go); 30 minutes if 0. Now is the clock of it
	// (tests move it); time.Now if nil.
	UploadTTL time.Duration
	Now       func() time.Time

	uploads *pendingUploads
}

// registerFaces adds the faces area's routes, navigation and shop tabs.
// Every route hangs on rt.shop: a manager manages the faces of the shops
// they may see, and loadShop has already decided that.
func (s *Server) registerFaces(rt routes) {
	if s.Faces.Service == nil {
		return
	}
	s.Faces.uploads = newPendingUploads(s.Faces.Now, s.Faces.UploadTTL)
	s.shopTabs = append(s.shopTabs, shopTab{Key: "tab.faces", Path: "/faces", Name: "faces", Show: s.Faces.Service.CanEnroll})
	f := rt.shop.Group("/faces")
	f.GET("", s.FacesOverview)
	f.POST("/sync", s.SyncFaces)
	f.POST("/rule", s.SetFaceRule)
	f.GET("/groups/new", s.NewFaceGroup)
	f.POST("/groups", s.CreateFaceGroup)
	g := f.Group("/groups/:group", s.loadFaceGroup)
	g.GET("", s.GroupFaces)
	g.GET("/edit", s.EditFaceGroup)
	g.POST("", s.UpdateFaceGroup)
	g.GET("/delete", s.DeleteFaceGroupForm)
	g.POST("/delete", s.DeleteFaceGroup)
	f.GET("/enroll", s.EnrollForm)
	f.POST("/enroll", s.Enroll)
	f.POST("/photo", s.CheckFacePhoto)
	f.GET("/photos/:hash", s.FacePhoto)
	f.POST("/move", s.MoveFaces)
	f.POST("/delete", s.DeleteFaces)
	f.GET("/bulk", s.BulkForm)
	f.POST("/bulk", s.BulkEnroll)
	f.GET("/batches/:batch", s.FaceBatch)
	f.GET("/batches/:batch/progress", s.FaceBatchProgress)
	f.GET("/deletions", s.FaceDeletions)
	f.GET("/search", s.FaceSearchForm)
	f.POST("/search", s.FaceSearch)
	f.GET("/visitors", s.Visitors)
	f.GET("/vendor/:vendor/:id", s.FaceByVendorID)
	one := f.Group("/people/:face", s.loadFace)
	one.GET("", s.ShowFace)
	one.POST("", s.UpdateFace)
	one.POST("/retry", s.RetryFace)
}

// Gin context keys of the faces area.
const (
	keyFaceGroup = "face_group"
	keyFace      = "face"
)

// loadFaceGroup loads a group of the already authorised shop.
func (s *Server) loadFaceGroup(c *gin.Context) {
	id, ok := s.paramID(c, "group")
	if !ok {
		return
	}
	g, err := s.Store.FaceGroup(c.Request.Context(), currentShop(c).ID, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Set(keyFaceGroup, &g)
	c.Next()
}

func currentFaceGroup(c *gin.Context) *models.FaceGroup {
	return c.MustGet(keyFaceGroup).(*models.FaceGroup)
}

// loadFace loads a face of the already authorised shop.
func (s *Server) loadFace(c *gin.Context) {
	id, ok := s.paramID(c, "face")
	if !ok {
		return
	}
	f, err := s.Store.Face(c.Request.Context(), currentShop(c).ID, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Set(keyFace, &f)
	c.Next()
}

func currentFace(c *gin.Context) *models.Face { return c.MustGet(keyFace).(*models.Face) }

// FaceByVendorID is the stable address events link to (PersonHref): it
// sends the reader to the face's own page, or 404 when the person is not
// enrolled in this shop through StoreLens.
func (s *Server) FaceByVendorID(c *gin.Context) {
	sh := currentShop(c)
	f, err := s.Store.FaceByVendorPerson(c.Request.Context(), sh.ID, c.Param("vendor"), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/shops/%d/faces/people/%d", sh.ID, f.ID))
}

// FacePhoto serves a face photo or thumbnail of the shop: only to a user
// who may see the shop (loadShop), only if the photo belongs to one of its
// faces or was checked for it, and never kept in a cache.
func (s *Server) FacePhoto(c *gin.Context) {
	sh := currentShop(c)
	data, err := s.Faces.Service.Photo(c.Request.Context(), sh.ID, c.Param("hash"))
	c.Header("Cache-Control", "no-store")
	if err != nil {
		s.notFound(c)
		return
	}
	c.Header("Content-Disposition", "inline")
	c.Data(http.StatusOK, "image/jpeg", data)
}

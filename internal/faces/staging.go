package faces

import (
	"context"
	"sync"
	"time"

	"storelens/internal/photos"
)

// stagedTTL is how long a checked photo waits for its enrollment.
const stagedTTL = 2 * time.Hour

// Staged is a photo that went through the pipeline and waits to be
// enrolled: the page shows it, with the faces found, before saving.
type Staged struct {
	ShopID     uint
	PhotoHash  string // the vendor-ready JPEG, in the photo store
	ThumbHash  string // the face's thumbnail ("" unless exactly one face)
	SourceHash string // SHA-256 of the file as uploaded
	Width      int
	Height     int
	Faces      []photos.Box
	FaceErr    error // nil when it can be enrolled
	at         time.Time
}

// stagedSet remembers checked photos in memory: a restart forgets them and
// the user picks the photo again. The files they name are swept when
// nothing refers to them.
type stagedSet struct {
	mu sync.Mutex
	m  map[string]Staged // by photo hash
}

func (ss *stagedSet) put(st Staged) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.m == nil {
		ss.m = map[string]Staged{}
	}
	ss.m[st.PhotoHash] = st
}

func (ss *stagedSet) get(shopID uint, hash string, now time.Time) (Staged, bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	st, ok := ss.m[hash]
	if !ok || st.ShopID != shopID || now.Sub(st.at) > stagedTTL {
		return Staged{}, false
	}
	return st, true
}

// has reports whether hash is a photo or thumbnail staged for the shop.
func (ss *stagedSet) has(shopID uint, hash string, now time.Time) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for _, st := range ss.m {
		if st.ShopID == shopID && (st.PhotoHash == hash || st.ThumbHash == hash) && now.Sub(st.at) <= stagedTTL {
			return true
		}
	}
	return false
}

// expire forgets entries past their time and returns every hash still
// staged (which the photo sweeper must keep).
func (ss *stagedSet) expire(now time.Time) map[string]bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	keep := map[string]bool{}
	for h, st := range ss.m {
		if now.Sub(st.at) > stagedTTL {
			delete(ss.m, h)
			continue
		}
		keep[st.PhotoHash], keep[st.ThumbHash] = true, true
	}
	return keep
}

// CheckPhoto runs an upload through the pipeline and keeps the result for
// the enrollment that follows. A photo refused by type, size or damage is
// an error (nothing kept); one with no face or several is kept, so the page
// can show where the faces are, with Staged.FaceErr set.
func (s *Service) CheckPhoto(ctx context.Context, shopID uint, data []byte) (Staged, error) {
	res, err := s.Pipeline.Process(ctx, data)
	if err != nil {
		return Staged{}, err
	}
	st := Staged{ShopID: shopID, SourceHash: photos.Hash(data), Width: res.Width, Height: res.Height,
		Faces: res.Faces, FaceErr: res.FaceError(), at: s.now()}
	if st.PhotoHash, err = s.Photos.Put(res.JPEG); err != nil {
		return Staged{}, err
	}
	if res.Thumb != nil {
		if st.ThumbHash, err = s.Photos.Put(res.Thumb); err != nil {
			return Staged{}, err
		}
	}
	s.staged.put(st)
	return st, nil
}

// StagedPhoto returns a checked photo of the shop, if it has not expired.
func (s *Service) StagedPhoto(shopID uint, hash string) (Staged, bool) {
	return s.staged.get(shopID, hash, s.now())
}

// Photo returns a stored photo or thumbnail, only if it belongs to a face
// of the shop or was checked for it: knowing a hash is not enough.
func (s *Service) Photo(ctx context.Context, shopID uint, hash string) ([]byte, error) {
	if !photos.ValidHash(hash) {
		return nil, photos.ErrNoPhoto
	}
	ok, err := s.Store.PhotoInShop(ctx, shopID, hash)
	if err != nil {
		return nil, err
	}
	if !ok && !s.staged.has(shopID, hash, s.now()) {
		return nil, photos.ErrNoPhoto
	}
	return s.Photos.Get(hash)
}

package cdfsim

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// File is a stored file. ID 0 gets the next free id; an empty MimeType is
// sniffed from Data; an empty Name becomes "file-<id>". A file may have an
// ExternalID, a data-modeling instance id (Space + InstanceExternalID), both
// or neither.
type File struct {
	ID                        int64
	ExternalID                string
	Space, InstanceExternalID string
	Name, MimeType            string
	Data                      []byte
}

type storedFile struct {
	File
	opaque  string // download path segment: stable, unguessable, not the id
	created time.Time
}

func (f *storedFile) instanceID() *wireInstanceID {
	if f.Space == "" && f.InstanceExternalID == "" {
		return nil
	}
	return &wireInstanceID{Space: f.Space, ExternalID: f.InstanceExternalID}
}

// AddFile stores f in the default project, replacing any file with the
// same ID. The server keeps f.Data without copying it: do not modify it
// afterwards.
func (s *Server) AddFile(f File) { s.AddFileTo(s.project, f) }

// addFileLocked stores f in p. s.mu must be held.
func (s *Server) addFileLocked(p *projectData, f File, created time.Time) int64 {
	if f.ID == 0 {
		for p.files[p.nextFileID] != nil {
			p.nextFileID++
		}
		f.ID = p.nextFileID
		p.nextFileID++
	}
	if f.MimeType == "" {
		f.MimeType, _, _ = strings.Cut(http.DetectContentType(f.Data), ";")
	}
	if f.Name == "" {
		f.Name = fmt.Sprintf("file-%d", f.ID)
	}
	if old := p.files[f.ID]; old != nil {
		delete(p.fileByExtID, old.ExternalID)
		delete(p.fileByInstance, wireInstanceID{old.Space, old.InstanceExternalID})
		delete(s.downloads, old.opaque)
	}
	// The opaque download path names this stored file itself, so a link
	// always serves the file of the project it was made in.
	sf := &storedFile{File: f, opaque: randomToken(16), created: created.Truncate(time.Millisecond)}
	p.files[f.ID] = sf
	if f.ExternalID != "" {
		p.fileByExtID[f.ExternalID] = f.ID
	}
	if id := sf.instanceID(); id != nil {
		p.fileByInstance[*id] = f.ID
	}
	s.downloads[sf.opaque] = sf
	return f.ID
}

// lookupFile finds a file of p by exactly one of id, external id or
// instance id.
func (s *Server) lookupFile(p *projectData, id *int64, extID *string, inst *wireInstanceID) *storedFile {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case id != nil:
		return p.files[*id]
	case extID != nil:
		return p.files[p.fileByExtID[*extID]]
	case inst != nil:
		return p.files[p.fileByInstance[*inst]]
	}
	return nil
}

// validate checks that exactly one identifier is set and well formed
// (cdf-api.md §3): id 1..2^53-1, externalId of 1..255 characters, or
// instanceId with a space matching CDF's InstanceSpace pattern and an
// externalId of 1..255 characters.
func (id wireFileIdentity) validate(i int) *apiError {
	n := 0
	if id.ID != nil {
		n++
		if *id.ID < 1 || *id.ID > maxCDFID {
			return badRequest("items[%d].id must be between 1 and %d", i, maxCDFID)
		}
	}
	if id.ExternalID != nil {
		n++
		if l := utf8.RuneCountInString(*id.ExternalID); l < 1 || l > 255 {
			return badRequest("items[%d].externalId must be 1 to 255 characters", i)
		}
	}
	if inst := id.InstanceID; inst != nil {
		n++
		if inst.Space == "" || inst.ExternalID == "" {
			return badRequest("items[%d].instanceId needs both space and externalId", i)
		}
		if !instanceSpaceRE.MatchString(inst.Space) {
			return badRequest("items[%d].instanceId.space %q is not a valid space", i, inst.Space)
		}
		if utf8.RuneCountInString(inst.ExternalID) > 255 {
			return badRequest("items[%d].instanceId.externalId must be 1 to 255 characters", i)
		}
	}
	if n != 1 {
		return badRequest("items[%d] must have exactly one of id, externalId or instanceId", i)
	}
	return nil
}

// maxCDFID is the largest CDF resource id (2^53-1, safe in JavaScript).
const maxCDFID = 1<<53 - 1

func (s *Server) lookupIdentity(p *projectData, id wireFileIdentity) *storedFile {
	return s.lookupFile(p, id.ID, id.ExternalID, id.InstanceID)
}

// filesByIDs serves POST /files/byids.
func (s *Server) filesByIDs(w http.ResponseWriter, r *http.Request) error {
	var req wireByIDsRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if n := len(req.Items); n < 1 || n > 1000 {
		return badRequest("items must contain between 1 and 1000 elements, got %d", n)
	}
	seen := map[string]bool{}
	var dup []any
	for i, it := range req.Items {
		if err := it.validate(i); err != nil {
			return err
		}
		key := identityKey(it)
		if seen[key] {
			dup = append(dup, it)
		}
		seen[key] = true
	}
	if dup != nil {
		return &apiError{status: http.StatusBadRequest, message: "Duplicate file identifiers in items", duplicated: dup}
	}
	out := make([]wireFileMetadata, 0, len(req.Items))
	var missing []any
	p := s.projectOf(r)
	for _, it := range req.Items {
		f := s.lookupIdentity(p, it)
		if f == nil {
			missing = append(missing, it)
			continue
		}
		out = append(out, fileMetadata(f))
	}
	if missing != nil && !req.IgnoreUnknownIDs {
		return &apiError{status: http.StatusBadRequest, message: "Files not found", missing: missing}
	}
	writeJSON(w, http.StatusOK, wireItems[wireFileMetadata]{Items: out})
	return nil
}

func identityKey(id wireFileIdentity) string {
	switch {
	case id.ID != nil:
		return "id:" + strconv.FormatInt(*id.ID, 10)
	case id.ExternalID != nil:
		return "ext:" + *id.ExternalID
	default:
		return "inst:" + id.InstanceID.Space + "\x00" + id.InstanceID.ExternalID
	}
}

func fileMetadata(f *storedFile) wireFileMetadata {
	ms := f.created.UnixMilli()
	return wireFileMetadata{
		ID: f.ID, ExternalID: f.ExternalID, InstanceID: f.instanceID(),
		Name: f.Name, MimeType: f.MimeType, Uploaded: true,
		CreatedTime: ms, LastUpdatedTime: ms, UploadedTime: ms,
	}
}

// fileByID serves GET /files/{id}: a bare FilesMetadata object.
func (s *Server) fileByID(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 || id > maxCDFID {
		return badRequest("Invalid file id %q: must be an integer between 1 and %d", r.PathValue("id"), maxCDFID)
	}
	f := s.lookupFile(s.projectOf(r), &id, nil, nil)
	if f == nil {
		return &apiError{status: http.StatusBadRequest, message: "Files not found", missing: []any{map[string]int64{"id": id}}}
	}
	writeJSON(w, http.StatusOK, fileMetadata(f))
	return nil
}

// downloadLinks serves POST /files/downloadlink. Links point at this server
// (scheme and host of the request, so any port works) and are signed with an
// HMAC key made at New, like a cloud storage signed URL.
func (s *Server) downloadLinks(w http.ResponseWriter, r *http.Request) error {
	ttl := s.linkTTL
	if v := r.URL.Query().Get("extendedExpiration"); v != "" {
		ext, err := strconv.ParseBool(v)
		if err != nil {
			return badRequest("extendedExpiration must be true or false, got %q", v)
		}
		if ext {
			ttl = extendedLinkTTL
		}
	}
	var req wireDownloadLinkRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if n := len(req.Items); n < 1 || n > 100 {
		return badRequest("items must contain between 1 and 100 elements, got %d", n)
	}
	base := "http://" + r.Host
	if r.TLS != nil {
		base = "https://" + r.Host
	}
	// Round the expiry up to whole seconds so a link lives at least ttl.
	exp := s.now().Add(ttl).Add(time.Second - 1).Unix()
	out := make([]wireDownloadLink, 0, len(req.Items))
	var missing []any
	p := s.projectOf(r)
	for i, it := range req.Items {
		if err := it.validate(i); err != nil {
			return err
		}
		f := s.lookupIdentity(p, it)
		if f == nil {
			missing = append(missing, it)
			continue
		}
		out = append(out, wireDownloadLink{wireFileIdentity: it, DownloadURL: base + s.signedPath(f.opaque, exp)})
	}
	if missing != nil {
		return &apiError{status: http.StatusBadRequest, message: "Files not found", missing: missing}
	}
	writeJSON(w, http.StatusOK, wireItems[wireDownloadLink]{Items: out})
	return nil
}

func (s *Server) signedPath(opaque string, exp int64) string {
	q := url.Values{"exp": {strconv.FormatInt(exp, 10)}, "sig": {s.sign(opaque, exp)}}
	return "/download/" + opaque + "?" + q.Encode()
}

func (s *Server) sign(opaque string, exp int64) string {
	m := hmac.New(sha256.New, s.linkKey)
	fmt.Fprintf(m, "GET\n/download/%s\n%d", opaque, exp)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// serveDownload serves GET /download/{opaque}?exp=&sig= the way a storage
// bucket serves a signed URL: no bearer token, XML errors, 403 for bad or
// expired signatures. Like S3 and GCS it refuses a request that also carries
// an Authorization header, which catches clients leaking the CDF token to the
// storage host.
func (s *Server) serveDownload(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeStorageError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
		return
	}
	if r.Header.Get("Authorization") != "" {
		writeStorageError(w, http.StatusBadRequest, "InvalidArgument", "Only one auth mechanism allowed: the signature query string or the Authorization header.")
		return
	}
	opaque := strings.TrimPrefix(r.URL.Path, "/download/")
	q := r.URL.Query()
	exp, expErr := strconv.ParseInt(q.Get("exp"), 10, 64)
	sig := q.Get("sig")
	if expErr != nil || sig == "" || strings.Contains(opaque, "/") ||
		!hmac.Equal([]byte(sig), []byte(s.sign(opaque, exp))) {
		writeStorageError(w, http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
		return
	}
	if !s.now().Before(time.Unix(exp, 0)) {
		writeStorageError(w, http.StatusForbidden, "AccessDenied", "Request has expired")
		return
	}
	s.mu.Lock()
	f := s.downloads[opaque]
	s.mu.Unlock()
	if f == nil {
		writeStorageError(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	}
	w.Header().Set("Content-Type", f.MimeType)
	w.Header().Set("Cache-Control", "private, max-age=0")
	http.ServeContent(w, r, f.Name, time.Time{}, bytes.NewReader(f.Data))
}

// writeStorageError answers like S3/GCS do: an XML error document.
func writeStorageError(w http.ResponseWriter, status int, code, message string) {
	body := fmt.Sprintf("<?xml version='1.0' encoding='UTF-8'?><Error><Code>%s</Code><Message>%s</Message></Error>", code, message)
	w.Header().Set("Content-Type", "application/xml; charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
